"""Equity marks: published at bar times once per step of market time, stored by the recorder,
read back thinned per account, and served by ``GET /api/v1/equity``."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from freeride.app.equity_marks import EquityMarks
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.bus.queues import Overflow
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.market import Bar
from freeride.core.orders import AccountState
from freeride.exchange.portfolio import Portfolio
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.recorder import MARKET_AND_SYSTEM_TOPICS, Recorder
from freeride.storage.repositories import EquityRepository, RunRepository

T0 = 1_700_000_000 * NS_PER_SECOND
MINUTE = 60 * NS_PER_SECOND


def _bar(ts: int, close: float) -> Bar:
    return Bar(
        symbol="GOOG",
        interval="1m",
        open=close,
        high=close,
        low=close,
        close=close,
        volume=1,
        ts_event=ts,
        ts_init=ts,
    )


async def test_marks_follow_the_market_once_a_step_and_are_stored_and_thinned(tmp_path: Path) -> None:
    db = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'eq.db'}")
    await upgrade_engine(db)
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    await RunRepository(db).begin("r1", name="embedded", config={}, started_at=T0)
    recorder = Recorder(
        db,
        bus.subscribe_queue(MARKET_AND_SYSTEM_TOPICS, name="recorder", overflow=Overflow.PAUSE_SOURCE),
        "r1",
        clock=clock,
        flush_interval_s=0.0,
    )
    portfolio = Portfolio(cash=Decimal(1000))
    portfolio.book_fill("GOOG", Decimal(2), Decimal(100), Decimal(0))
    seen: list[AccountState] = []
    bus.subscribe(topics.ALL_ACCOUNTS, seen.append)
    marks = EquityMarks(bus, clock, {"paper": portfolio}, step_s=60)
    await recorder.start()
    await marks.start()
    for i in range(300):  # a bar every 20 s of market time: one mark a minute
        ts = T0 + i * 20 * NS_PER_SECOND
        portfolio.mark("GOOG", 100 + i)
        bus.publish(topics.bar("GOOG", "1m"), _bar(ts, 100 + i))
    await marks.stop()  # marks where the account ended
    await recorder.stop()  # drains its queue
    assert len(seen) == 101
    assert seen[0].equity == Decimal(1000)  # 800 cash + 2 × 100
    assert seen[-1].ts_event == T0 + 299 * 20 * NS_PER_SECOND
    assert seen[-1].equity == Decimal(800) + 2 * Decimal(399)

    repo = EquityRepository(db)
    stored = await repo.history(run_id="r1")
    assert [m.ts_event for m in stored] == [s.ts_event for s in seen]
    assert stored[-1].equity == seen[-1].equity
    thin = await repo.history(run_id="r1", points=10)
    assert 9 <= len(thin) <= 11
    assert thin[-1].ts_event == seen[-1].ts_event  # the newest always kept
    assert [m.ts_event for m in thin] == sorted(m.ts_event for m in thin)
    by_name = await repo.history(run_name="embedded", points=5_000)
    assert len(by_name) == len(stored)
    assert await repo.history(run_name="live") == []
    await db.dispose()


async def test_a_live_service_marks_at_start_and_stop_even_with_markets_closed() -> None:
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    seen: list[AccountState] = []
    bus.subscribe(topics.ALL_ACCOUNTS, seen.append)
    marks = EquityMarks(bus, clock, {"paper:live": Portfolio(cash=Decimal(500))}, mark_at_start=True)
    await marks.start()
    assert [(s.account, s.ts_event, s.equity) for s in seen] == [("paper:live", T0, Decimal(500))]
    clock.advance(3_600)  # a closed market: no bar, no mark
    await marks.stop()
    assert len(seen) == 1  # nothing new to mark at stop: the start's is the latest
