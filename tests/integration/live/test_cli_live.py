"""``freeride live`` through typer's runner on a fresh app, with time that runs ahead instead of passing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from freeride.cli.live import register
from freeride.core.clock import NS_PER_SECOND, ManualClock

T0 = (1_717_372_800 + 15 * 3_600) * NS_PER_SECOND  # Monday 2024-06-03 15:00 UTC


def _threads_busy() -> bool:
    """Whether the loop's default executor is running something: the clock must not jump past
    a deadline while a component waits on a thread (under load that took the run's whole
    ten minutes at once, with no bar built)."""
    executor = getattr(asyncio.get_running_loop(), "_default_executor", None)
    if executor is None:
        return False
    threads = len(getattr(executor, "_threads", ()))
    idle = getattr(getattr(executor, "_idle_semaphore", None), "_value", threads)
    return bool(executor._work_queue.qsize()) or idle < threads


class RushClock(ManualClock):
    """A ManualClock that jumps to the next sleeper's deadline whenever the loop has caught up,
    so minutes of clock time takes a fraction of a second and nothing really sleeps."""

    def __init__(self, start_ns: int) -> None:
        super().__init__(start_ns)
        self._driver: asyncio.Task[None] | None = None

    async def sleep(self, seconds: float) -> None:
        if self._driver is None or self._driver.done():
            self._driver = asyncio.get_running_loop().create_task(self._drive())
        await super().sleep(seconds)

    async def _drive(self) -> None:
        while self._sleepers:
            for _ in range(20):
                await asyncio.sleep(0)
            if _threads_busy():  # work handed to a thread (first prices, calendars) comes back first
                continue
            pending = [deadline for deadline, _, fut in self._sleepers if not fut.done()]
            if pending:
                self.set_ns(min(pending))
            else:
                self._sleepers.clear()


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> typer.Typer:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", "env")
    monkeypatch.setenv("FREERIDE_PROVIDERS__ENABLED", "simulator")
    monkeypatch.setenv("FREERIDE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'live.db'}")
    monkeypatch.setenv(
        "FREERIDE_RUN__FEEDS",
        '[{"symbol": "AAPL", "interval": "1d", "shipped": "GOOG_daily.csv", "quantity": 5}]',
    )
    monkeypatch.setenv("FREERIDE_RUN__FAST", "2")
    monkeypatch.setenv("FREERIDE_RUN__SLOW", "4")
    made = typer.Typer()

    @made.callback()
    def root() -> None:  # keeps ``live`` a subcommand, as on the real app
        """freeride"""

    register(made, clock=lambda: RushClock(T0))
    return made


def test_live_json_summary_after_seconds(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["live", "--seconds", "600", "--interval", "1m", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(next(x for x in result.output.splitlines() if x.startswith('{"run_id"')))
    assert data["stopped_by"] == "max_seconds"
    assert data["seconds"] == 600
    assert data["broker"] == "paper"
    assert data["simulated"] is True
    assert data["bars"] == 10  # ten whole minutes; --interval replaced the feed's 1d
    assert data["run_id"].startswith("live-paper-20240603T150000Z-")
    assert data["last_prices"]["AAPL"] > 0


def test_live_status_and_summary_table(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["live", "--seconds", "5"])
    assert result.exit_code == 0, result.output
    assert "simulator" in result.output
    assert "AAPL 1d" in result.output
    assert "Live run live-paper-" in result.output
    assert "stopped by max_seconds" in result.output


def test_live_refuses_bad_options(app: typer.Typer) -> None:
    assert CliRunner().invoke(app, ["live", "--seconds", "0"]).exit_code == 2
    bad = CliRunner().invoke(app, ["live", "--interval", "7m"])
    assert bad.exit_code == 2
    assert "interval '7m' is unknown" in bad.output


def test_live_serve_prints_the_dashboard_and_a_login_token(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["live", "--serve", "--port", "0", "--seconds", "5", "--json"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    dashboard = next(x for x in lines if x.startswith("dashboard"))
    assert dashboard.split()[1].startswith("http://127.0.0.1:")
    login = next(x for x in lines if x.startswith("login token"))
    assert login.split()[2].startswith("fr_")
    assert "revoked when this run stops" in login
    data = json.loads(next(x for x in lines if x.startswith('{"run_id"')))
    assert data["stopped_by"] == "max_seconds"


def test_live_without_serve_serves_nothing(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["live", "--seconds", "5", "--json"])
    assert result.exit_code == 0, result.output
    assert "login token" not in result.output
