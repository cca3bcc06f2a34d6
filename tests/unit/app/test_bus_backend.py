"""``bus.backend`` picks the bus: in-process by default, Redis Streams with the role's group."""

from __future__ import annotations

import pytest

from freeride.app.bus import build_bus
from freeride.bus.memory import InMemoryBus
from freeride.bus.redis import RedisBus
from freeride.bus.redis_streams import Shard
from freeride.config.settings import load_settings
from freeride.core.clock import ManualClock
from freeride.core.errors import ConfigError


async def test_memory_by_default_and_redis_with_the_roles_group() -> None:
    clock = ManualClock(0)
    memory = load_settings(_env_file=None)
    assert type(build_bus(memory, clock)) is InMemoryBus
    redis = load_settings(
        _env_file=None, bus={"backend": "redis", "shards": 4}, redis_url="redis://127.0.0.1:6379/0"
    )
    run = build_bus(redis, clock)
    assert isinstance(run, RedisBus)
    assert (run.group, run.persist_seen) == ("run", True)
    alerts = build_bus(redis, clock, role="alerts", shard=Shard(1, 2))
    assert isinstance(alerts, RedisBus)
    assert alerts.group == "alerts-1of2"
    assert build_bus(redis, clock, role="gateway").persist_seen is False  # type: ignore[attr-defined]
    api = build_bus(redis, clock, role="api")
    assert isinstance(api, RedisBus)
    assert api.ephemeral  # every API process feeds its own WebSocket clients: a group of its own
    assert api.group.startswith("api-")
    bot = build_bus(redis, clock, role="bot")  # answers from every price and signal it has seen
    assert isinstance(bot, RedisBus)
    assert bot.ephemeral
    assert bot.group.startswith("bot-")
    for bus in (run, alerts, api, bot):
        await bus.close()


def test_more_workers_than_shards_is_refused_with_the_setting_to_change() -> None:
    redis = load_settings(
        _env_file=None, bus={"backend": "redis", "shards": 2}, redis_url="redis://127.0.0.1:6379/0"
    )
    with pytest.raises(ConfigError, match=r"at most 2 workers \(bus.shards\)"):
        build_bus(redis, ManualClock(0), role="alerts", shard=Shard(0, 3))


@pytest.mark.parametrize("text", ["2", "a/b", "2/2", "0/0", "-1/2"])
def test_bad_shards_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="--shard"):
        Shard.parse(text)
