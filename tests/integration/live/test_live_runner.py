"""``run_live`` end to end on the simulator under a ManualClock: ticks → bars → strategy → paper
fills at the quote → SQLite, with no real sleeping."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from freeride.adapters.simulator.config import SimulatorConfig
from freeride.adapters.simulator.data import SimulatorData
from freeride.app.live_runner import live_run_id, run_live
from freeride.app.live_status import LiveStatus, LiveSummary
from freeride.app.markets import build_market_hours
from freeride.config.settings import Settings, load_settings
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.instruments import parse_instrument
from freeride.storage.engine import create_engine
from freeride.storage.repositories import (
    BarRepository,
    FillRepository,
    OrderRepository,
    RunRepository,
    SystemEventRepository,
)

T0 = (1_717_372_800 + 15 * 3_600) * NS_PER_SECOND  # Monday 2024-06-03 15:00 UTC, stocks are trading
MINUTES = 40


def live_settings(tmp_path: Path, **run: object) -> Settings:
    feed = {"symbol": "AAPL", "interval": "1m", "shipped": "GOOG_daily.csv", "quantity": "5"}
    return load_settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'live.db'}",
        secrets={"order": ["env"]},
        providers={"enabled": ["simulator"]},
        run={"feeds": [feed], "fast": 2, "slow": 4, **run},
    )


async def turns(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_live_run_on_the_simulator_trades_at_the_quote_and_stores_it(tmp_path: Path) -> None:
    settings = live_settings(tmp_path)
    clock = ManualClock(T0)
    status = LiveStatus()
    stop = asyncio.Event()
    task = asyncio.create_task(run_live(settings, clock, until=stop, status=status))
    await asyncio.wait_for(status.ready.wait(), timeout=30)
    for _ in range(MINUTES * 60):  # the simulator quotes and prints once a second of clock time
        clock.advance(1)
        await turns(8)
    stop.set()
    summary = await asyncio.wait_for(task, timeout=30)

    assert summary.run_id == live_run_id(settings, T0)
    assert summary.run_id.startswith("live-paper-20240603T150000Z-")
    assert summary.ledger_run_id == "live-paper-live"  # the paper account outlives the run
    assert summary.simulated
    assert summary.broker == "paper"
    assert summary.stopped_by == "until"
    assert summary.seconds == MINUTES * 60
    assert summary.bars >= MINUTES - 1  # the minute still open at the stop is not published
    assert summary.signals >= 1
    assert summary.orders >= 1
    assert summary.fills >= 1
    assert summary.handler_failures == 0
    assert summary.late_ticks == 0

    engine = create_engine(settings.database_url)
    try:
        stored_bars = await BarRepository(engine).query("AAPL", "1m")
        assert len(stored_bars) == summary.bars
        assert all(b.ts_event % (60 * NS_PER_SECOND) == 0 for b in stored_bars)
        orders = await OrderRepository(engine).list_by_run(summary.ledger_run_id)
        fills = await FillRepository(engine).list_by_run(summary.ledger_run_id)
        assert len(orders) == summary.orders
        assert len(fills) == summary.fills
        # every fill is at the simulator's quote (ask for a buy, bid for a sell) or its print
        aapl = parse_instrument("AAPL")
        hours = build_market_hours(settings, T0)  # the simulator follows the NYSE's hours
        sim = SimulatorData(clock, SimulatorConfig(seed=settings.providers.simulator_seed), hours)
        for fill in fills:
            snap = sim.snapshot(aapl, fill.ts_event)
            touch = snap.ask if fill.side.value == "buy" else snap.bid
            assert fill.price in {Decimal(str(touch)), Decimal(str(snap.price))}, fill
        run = await RunRepository(engine).get(summary.run_id)
        assert run is not None
        assert run.config["broker"] == "paper"
        kinds = {e.kind for e in await SystemEventRepository(engine).query(summary.run_id)}
        assert {"live_started", "live_finished"} <= kinds
    finally:
        await engine.dispose()
    assert summary.starting_equity == Decimal("100000")
    assert summary.equity is not None
    assert summary.pnl == summary.equity - Decimal("100000")


async def test_max_seconds_ends_the_run_on_the_clock(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    status = LiveStatus()
    task = asyncio.create_task(run_live(live_settings(tmp_path), clock, max_seconds=90, status=status))
    await asyncio.wait_for(status.ready.wait(), timeout=30)
    for _ in range(95):
        clock.advance(1)
        await turns(8)
        if task.done():
            break
    summary = await asyncio.wait_for(task, timeout=30)
    assert summary.stopped_by == "max_seconds"
    assert summary.bars == 1  # 15:00 closed by the 15:01 tick; 15:01 was still open at 15:01:30
    assert summary.last_prices["AAPL"] > 0


async def _trade_for(settings: Settings, start: int, minutes: int, **kw: object) -> LiveSummary:
    clock = ManualClock(start)
    status = LiveStatus()
    task = asyncio.create_task(
        run_live(settings, clock, max_seconds=minutes * 60, status=status, **kw)  # type: ignore[arg-type]
    )
    await asyncio.wait_for(status.ready.wait(), timeout=30)
    while not task.done():
        clock.advance(1)
        await turns(8)
    return await task


async def test_a_restarted_paper_account_continues_where_it_stopped(tmp_path: Path) -> None:
    settings = live_settings(tmp_path)
    first = await _trade_for(settings, T0, MINUTES)
    assert first.positions  # the first run ended holding a position ...
    second = await _trade_for(settings, T0 + 3_600 * NS_PER_SECOND, 10)
    assert second.run_id != first.run_id
    assert second.run_id[-8:] == first.run_id[-8:]  # same settings, same hash
    assert second.ledger_run_id == first.ledger_run_id == "live-paper-live"
    # ... which the second start holds again: cash and position rebuilt from the stored fills
    assert second.starting_equity != Decimal("100000")
    engine = create_engine(settings.database_url)
    try:
        events = await SystemEventRepository(engine).query(second.run_id)
        fills = await FillRepository(engine).list_by_run("live-paper-live")
    finally:
        await engine.dispose()
    reconciled = [e for e in events if e.kind == "reconcile_done"]
    assert reconciled
    assert reconciled[-1].message == "reconciliation: 0 corrections, 0 unexplained"  # not halted
    held = sum((f.signed_quantity for f in fills), Decimal(0))
    assert second.positions.get("AAPL", Decimal(0)) == held  # the strategy never doubled up
    assert abs(held) <= Decimal(5)


async def test_fresh_opens_a_new_paper_account_and_keeps_the_old_one(tmp_path: Path) -> None:
    settings = live_settings(tmp_path)
    first = await _trade_for(settings, T0, MINUTES)
    second = await _trade_for(settings, T0 + 3_600 * NS_PER_SECOND, 1, fresh=True)
    assert second.starting_equity == Decimal("100000")
    engine = create_engine(settings.database_url)
    try:
        archived = [
            r for r in await RunRepository(engine).list_runs() if r.run_id.startswith("live-paper-live@")
        ]
        assert len(archived) == 1
        kept = await FillRepository(engine).list_by_run(archived[0].run_id)
    finally:
        await engine.dispose()
    assert len(kept) == first.fills


async def test_strategies_warm_up_from_history_then_from_what_was_stored(tmp_path: Path) -> None:
    settings = live_settings(tmp_path)  # sma 2/4 on 1m bars: 5 bars of history needed
    clock = ManualClock(T0)
    status = LiveStatus()
    task = asyncio.create_task(run_live(settings, clock, max_seconds=10 * 60, status=status))
    await asyncio.wait_for(status.ready.wait(), timeout=30)
    # an empty database: the history came through the gateway (the simulator here)
    assert "warm-up: 5 bars fetched through the gateway" in status.notes
    assert not [n for n in status.notes if "warm-up short" in n]
    while not task.done():
        clock.advance(1)
        await turns(8)
    await task
    # restarted right away: the ten minutes just stored are enough, nothing is fetched
    clock = ManualClock(T0 + 10 * 60 * NS_PER_SECOND)
    status = LiveStatus()
    task = asyncio.create_task(run_live(settings, clock, max_seconds=60, status=status))
    await asyncio.wait_for(status.ready.wait(), timeout=30)
    assert not [n for n in status.notes if "warm-up" in n]
    while not task.done():
        clock.advance(1)
        await turns(8)
    await task
