"""``bus.backend=redis`` is refused, with the reason and the fix, until a Redis bus exists."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from freeride.app.bus import build_bus
from freeride.app.embedded import run_embedded
from freeride.bus.memory import InMemoryBus
from freeride.cli.main import app
from freeride.config.settings import load_settings
from freeride.core.clock import ManualClock
from freeride.core.errors import ConfigError


def test_the_memory_bus_is_built_and_redis_is_refused(tmp_path: Path) -> None:
    clock = ManualClock(0)
    memory = load_settings(_env_file=None)
    assert isinstance(build_bus(memory, clock), InMemoryBus)
    redis = load_settings(_env_file=None, bus={"backend": "redis"}, redis_url="redis://127.0.0.1:6379/0")
    with pytest.raises(ConfigError, match="'redis' is not available yet") as caught:
        build_bus(redis, clock)
    assert "FREERIDE_BUS__BACKEND=memory" in str(caught.value)


async def test_a_run_asked_for_the_redis_bus_stops_before_opening_anything(tmp_path: Path) -> None:
    db = tmp_path / "run.db"
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{db}",
        bus={"backend": "redis"},
        redis_url="redis://127.0.0.1:6379/0",
    )
    with pytest.raises(ConfigError, match="Redis Streams bus is not built"):
        await run_embedded(settings, ManualClock(0))
    assert not db.exists()  # nothing was created, migrated or traded


def test_freeride_run_says_so_and_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FREERIDE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'run.db'}")
    monkeypatch.setenv("FREERIDE_BUS__BACKEND", "redis")
    monkeypatch.setenv("FREERIDE_REDIS_URL", "redis://127.0.0.1:6379/0")
    result = CliRunner().invoke(app, ["run", "--exit-when-done"])
    assert result.exit_code == 2
    assert "'redis' is not available yet" in result.output
