"""``freeride run`` end to end on small slices of the shipped data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from freeride.app.embedded import run_embedded
from freeride.config.settings import load_settings
from freeride.core.clock import ManualClock
from freeride.core.orders import OrderStatus
from freeride.indicators.sma import sma
from freeride.storage.engine import create_engine
from freeride.storage.repositories import Repositories


async def stored(url: str, run_id: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        repos = Repositories.from_engine(engine)
        orders = await repos.orders.list_by_run(run_id)
        return {
            "bars": await repos.bars.count(),
            "orders": len(orders),
            "filled": sum(o.status is OrderStatus.FILLED for o in orders),
            "fills": len(await repos.fills.list_by_run(run_id)),
            "positions": len(await repos.positions.list_by_run(run_id)),
            "events": len(await repos.system_events.query(run_id)),
            "runs": len(await repos.runs.list_runs()),
        }
    finally:
        await engine.dispose()


async def test_run_trades_stores_and_is_idempotent(feeds: tuple[Path, Path]) -> None:
    settings = load_settings()
    summary = await run_embedded(settings, ManualClock(1_700_000_000_000_000_000))
    by_symbol = {i.symbol: i for i in summary.instruments}
    assert by_symbol["GOOG"].bars == 400
    assert by_symbol["EUR/USD"].bars == 600
    assert by_symbol["GOOG"].trades > 0
    assert by_symbol["EUR/USD"].trades > 0
    assert summary.handler_failures == 0
    for inst in summary.instruments:  # the accounts add up: equity = cash at start + P&L
        assert inst.final_equity == inst.starting_cash + inst.pnl

    first = await stored(settings.database_url, summary.run_id)
    assert first["bars"] == 1000
    assert first["orders"] == first["filled"] == first["fills"] > 0
    assert first["positions"] == 2
    assert first["events"] >= 2  # run started / finished
    assert first["runs"] == 1

    again = await run_embedded(settings, ManualClock(1_800_000_000_000_000_000))
    assert again.run_id == summary.run_id
    assert again.instruments == summary.instruments
    assert await stored(settings.database_url, summary.run_id) == first


async def test_orders_fill_at_the_next_bars_open(feeds: tuple[Path, Path]) -> None:
    settings = load_settings()
    summary = await run_embedded(settings, ManualClock(1))
    engine = create_engine(settings.database_url)
    try:
        repos = Repositories.from_engine(engine)
        bars = {b.ts_event: b for b in await repos.bars.query("GOOG", "1d")}
        times = sorted(bars)
        fills = await repos.fills.list_by_run(summary.run_id, "GOOG")
    finally:
        await engine.dispose()
    closes = [bars[t].close for t in times]
    fast, slow = sma(closes, 10), sma(closes, 30)
    crosses = {
        times[i]
        for i in range(1, len(times))
        if (fast[i - 1] - slow[i - 1]) * (fast[i] - slow[i]) < 0  # NaN products compare False
    }
    assert len(fills) == len(crosses)
    for fill in fills:
        assert fill.price == Decimal(repr(bars[fill.ts_event].open))
        assert fill.commission == fill.quantity * fill.price * Decimal("0.001")
        signal_bar = times[times.index(fill.ts_event) - 1]  # decided on the close before
        assert signal_bar in crosses


async def test_a_different_input_is_a_different_run(
    feeds: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await run_embedded(load_settings(), ManualClock(1))
    monkeypatch.setenv("FREERIDE_RUN__FAST", "5")
    second = await run_embedded(load_settings(), ManualClock(1))
    assert first.run_id != second.run_id
    counts = await stored(load_settings().database_url, second.run_id)
    assert counts["runs"] == 2
    assert counts["bars"] == 1000  # market data is shared, not copied per run


@pytest.mark.postgres
async def test_the_same_run_on_postgresql(feeds: tuple[Path, Path], postgres_url: str) -> None:
    settings = load_settings(database_url=postgres_url)
    summary = await run_embedded(settings, ManualClock(1))
    sqlite_summary = await run_embedded(load_settings(), ManualClock(1))
    assert summary.instruments == sqlite_summary.instruments
    first = await stored(postgres_url, summary.run_id)
    assert first["bars"] == 1000
    assert first["fills"] > 0
    await run_embedded(settings, ManualClock(2))
    assert await stored(postgres_url, summary.run_id) == first


def freeride(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "freeride", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_cli_run_prints_the_summary(feeds: tuple[Path, Path]) -> None:
    result = freeride("run", "--exit-when-done")
    assert result.returncode == 0, result.stderr
    assert "GOOG 1d" in result.stdout
    assert "EUR/USD 1h" in result.stdout
    assert "final equity" in result.stdout


def test_cli_run_json(feeds: tuple[Path, Path]) -> None:
    result = freeride("run", "--exit-when-done", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["bars"] == 1000
    assert {i["symbol"] for i in summary["instruments"]} == {"GOOG", "EUR/USD"}


def test_cli_run_on_a_bad_file_names_file_and_line_and_stores_nothing(
    feeds: tuple[Path, Path], tmp_path: Path
) -> None:
    goog, _ = feeds
    lines = goog.read_text().splitlines()
    lines[10] = lines[10].replace(lines[10].split(",")[4], "n/a")  # the close of data line 10 (file line 11)
    goog.write_text("\n".join(lines) + "\n")
    result = freeride("run", "--exit-when-done")
    assert result.returncode == 2
    assert f"{goog}:11" in result.stderr
    assert "n/a" in result.stderr
    assert not (tmp_path / "run.db").exists()  # checked before anything was created or stored


def test_cli_run_rejects_a_bad_setting(feeds: tuple[Path, Path]) -> None:
    result = freeride("run", "--exit-when-done", env={"FREERIDE_RUN__FAST": "50"})
    assert result.returncode == 2
    assert "fast (50) must be smaller than slow (30)" in result.stderr
