"""The simulator following market hours: silent while a market is closed, resuming where it stopped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from freeride.adapters.simulator.config import SimulatorConfig
from freeride.adapters.simulator.data import SimulatorData
from freeride.adapters.simulator.model import PriceModel
from freeride.adapters.simulator.stream import SimulatorStream
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.instruments import forex, stock
from freeride.ports.market_data import StreamEvent
from freeride.testing.calendars import market_hours, ny

AAPL = stock("AAPL")
EURUSD = forex("EUR/USD")
S = NS_PER_SECOND
MINUTE = 60 * S


async def collect(clock: ManualClock, events: AsyncIterator[StreamEvent], seconds: int) -> list[StreamEvent]:
    """Everything the stream yields while the clock moves ``seconds`` one second at a time."""
    got: list[StreamEvent] = []

    async def drain() -> None:
        async for event in events:
            got.append(event)

    task = asyncio.ensure_future(drain())
    for _ in range(seconds):
        for _ in range(5):
            await asyncio.sleep(0)
        clock.advance(1.0)
    for _ in range(5):
        await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return got


async def test_no_ticks_at_the_weekend_and_forex_opens_sunday_17_new_york() -> None:
    clock = ManualClock(ny("2026-06-14 16:59:50"))  # a Sunday, ten seconds before the forex open
    stream = SimulatorStream(clock, SimulatorConfig(), market_hours())
    await stream.subscribe([AAPL, EURUSD])
    got = await collect(clock, stream.events(), 20)
    assert {e.symbol for e in got} == {"EUR/USD"}
    assert min(e.ts_event for e in got) == ny("2026-06-14 17:00")
    assert len(got) == 11  # one quote a second from 17:00:00 to 17:00:10
    await stream.aclose()


async def test_no_ticks_on_a_holiday_or_after_a_half_day_close() -> None:
    hours = market_hours()
    for at in ("2026-07-03 11:00", "2026-11-27 13:00"):
        clock = ManualClock(ny(at))
        stream = SimulatorStream(clock, SimulatorConfig(), hours)
        await stream.subscribe([AAPL])
        assert await collect(clock, stream.events(), 30) == []
        await stream.aclose()


async def test_always_open_streams_at_the_weekend() -> None:
    clock = ManualClock(ny("2026-06-13 12:00"))
    stream = SimulatorStream(clock, SimulatorConfig(), market_hours(always_open=True))
    await stream.subscribe([AAPL])
    got = await collect(clock, stream.events(), 5)
    assert len(got) == 10  # a quote and a trade a second
    await stream.aclose()


def test_prices_resume_where_they_stopped_across_a_holiday_and_a_weekend() -> None:
    model = PriceModel(SimulatorConfig(), market_hours())
    # Thursday 2026-07-02's last minute, the closed Friday holiday, Monday's open
    last = model.price_at(AAPL, ny("2026-07-02 15:59:30"))
    assert model.price_at(AAPL, ny("2026-07-03 12:00")) == last
    assert model.price_at(AAPL, ny("2026-07-05 12:00")) == last
    first = model.price_at(AAPL, ny("2026-07-06 09:30:10"))
    assert abs(first / last - 1) < 0.01  # one minute's move, not a holiday's
    # the forex week: Friday's last quote, the weekend, Sunday's first
    friday = model.price_at(EURUSD, ny("2026-06-12 16:59:30"))
    assert model.price_at(EURUSD, ny("2026-06-13 12:00")) == friday
    sunday = model.price_at(EURUSD, ny("2026-06-14 17:00:10"))
    assert abs(sunday / friday - 1) < 0.001


def test_prices_move_within_a_session_and_a_half_day_path_is_shorter() -> None:
    model = PriceModel(SimulatorConfig(), market_hours())
    opening = ny("2026-11-27 09:30")
    prices = {model.price_at(AAPL, opening + m * MINUTE) for m in range(210)}
    assert len(prices) > 100
    # the half day's path ends at 13:00 on the day's close
    assert model.price_at(AAPL, ny("2026-11-27 12:59:59")) == model.price_at(AAPL, ny("2026-11-27 15:00"))


async def test_snapshot_while_closed_is_the_last_close_and_compares_with_the_session_before() -> None:
    hours = market_hours()
    clock = ManualClock(ny("2026-07-03 12:00"))
    data = SimulatorData(clock, SimulatorConfig(), hours)
    snap = await data.latest(AAPL)
    model = data.model
    assert snap.price == round(model.price_at(AAPL, ny("2026-07-02 16:00")), 2)
    assert snap.prev_close == round(model.price_at(AAPL, ny("2026-07-01 16:00")), 2)
