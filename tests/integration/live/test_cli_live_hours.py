"""``freeride live`` at a weekend: the simulator is quiet and the status says when each market
opens; ``--always-open`` streams anyway; a calendar the library does not know is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from test_cli_live import RushClock
from typer.testing import CliRunner

from freeride.cli.live import register
from freeride.testing.calendars import ny

SATURDAY = ny("2026-12-05 10:00")


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> typer.Typer:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", "env")
    monkeypatch.setenv("FREERIDE_PROVIDERS__ENABLED", "simulator")
    monkeypatch.setenv("FREERIDE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'live.db'}")
    monkeypatch.setenv(
        "FREERIDE_RUN__FEEDS",
        '[{"symbol": "AAPL", "interval": "1m", "shipped": "GOOG_daily.csv", "quantity": 5},'
        ' {"symbol": "EUR/USD", "interval": "1m", "shipped": "EURUSD_hourly.csv", "quantity": 1000}]',
    )
    made = typer.Typer()

    @made.callback()
    def root() -> None:
        """freeride"""

    register(made, clock=lambda: RushClock(SATURDAY))
    return made


def test_a_weekend_is_quiet_and_says_when_markets_open(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["live", "--seconds", "600"])
    assert result.exit_code == 0, result.output
    assert "closed until Mon 7 Dec 09:30 EST (14:30 UTC)" in result.output
    assert "closed until Sun 6 Dec 17:00 EST (22:00 UTC)" in result.output
    json_run = CliRunner().invoke(app, ["live", "--seconds", "600", "--json"])
    data = json.loads(next(x for x in json_run.output.splitlines() if x.startswith('{"run_id"')))
    assert (data["bars"], data["last_prices"], data["off_session_ticks"]) == (0, {}, 0)


def test_the_status_names_every_sleeve_and_watched_symbol_with_its_market(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sleeves replace the feeds: the status lists them (and the watch-only symbols), not the
    feeds' defaults, each with when its market opens."""
    monkeypatch.setenv(
        "FREERIDE_SLEEVES",
        '[{"symbol": "MSFT", "interval": "5m", "quantity": 3},'
        ' {"symbol": "GBP/USD", "interval": "1h", "quantity": 1000}]',
    )
    monkeypatch.setenv("FREERIDE_WATCHLISTS", '{"tech": ["NVDA", "MSFT"]}')
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, ["live", "--seconds", "60"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines() if line.split()[:1]}
    assert "MSFT 5m" in rows["MSFT"]
    assert "closed until Mon 7 Dec 09:30 EST (14:30 UTC)" in rows["MSFT"]
    assert "GBP/USD 1h" in rows["GBP/USD"]
    assert "closed until Sun 6 Dec 17:00 EST (22:00 UTC)" in rows["GBP/USD"]
    assert "closed until Mon 7 Dec 09:30 EST (14:30 UTC)" in rows["NVDA"]
    assert "AAPL" not in rows  # the feeds are not what trades
    assert "EUR/USD" not in rows


def test_always_open_streams_at_the_weekend(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["live", "--seconds", "600", "--always-open", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(next(x for x in result.output.splitlines() if x.startswith('{"run_id"')))
    assert data["bars"] == 20  # ten minutes of 1m bars for each of the two symbols
    assert set(data["last_prices"]) == {"AAPL", "EUR/USD"}


def test_an_unknown_calendar_is_refused_before_anything_runs(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FREERIDE_MARKETS__CALENDARS", '{"AAPL": "XNOPE"}')
    result = CliRunner().invoke(app, ["live", "--seconds", "5"])
    assert result.exit_code == 2
    assert "no exchange calendar named 'XNOPE'" in result.output
