"""``freeride dlq``: the dead-letter stream of the configured Redis bus, listed or replayed."""

from __future__ import annotations

from freeride.app.bus import redis_client
from freeride.bus.redis_dlq import DeadLetter, list_dead, replay
from freeride.bus.redis_streams import StreamConfig, StreamMap
from freeride.config.settings import Settings
from freeride.core.errors import ConfigError, InvalidInput


def _dlq(settings: Settings) -> str:
    if settings.bus.backend != "redis":
        raise ConfigError(
            "dead letters exist only on the Redis bus: pass --bus redis://host:6379/0 "
            "or set FREERIDE_BUS__BACKEND=redis and FREERIDE_REDIS_URL"
        )
    return StreamMap(StreamConfig(prefix=settings.bus.stream_prefix)).dead_letters


async def dead_letters(settings: Settings, count: int) -> list[DeadLetter]:
    key = _dlq(settings)
    client = redis_client(settings)
    try:
        return await list_dead(client, key, count)
    finally:
        await client.aclose()


async def replay_dead_letters(settings: Settings, ids: list[str] | None) -> list[DeadLetter]:
    """Replay ``ids`` (all when ``None``); an unknown id is an ``InvalidInput`` naming it."""
    key = _dlq(settings)
    client = redis_client(settings)
    try:
        return await replay(client, key, ids)
    except KeyError as exc:
        raise InvalidInput(str(exc.args[0])) from None
    finally:
        await client.aclose()
