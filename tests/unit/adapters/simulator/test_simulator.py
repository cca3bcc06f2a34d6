"""The simulator: deterministic by seed, plausible prices and spreads, bars that agree with quotes."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from freeride.adapters.simulator.config import SimulatorConfig
from freeride.adapters.simulator.data import SimulatorData
from freeride.adapters.simulator.stream import SimulatorStream
from freeride.core.clock import ManualClock, datetime_to_ns
from freeride.core.instruments import parse_instrument
from freeride.core.market import Quote, Trade

T = datetime_to_ns(datetime(2024, 3, 5, 16, 0, tzinfo=UTC))  # a Tuesday, stock session open
GOOG = parse_instrument("GOOG")
EURUSD = parse_instrument("EUR/USD")


async def test_same_seed_same_prices_different_seed_different_prices() -> None:
    a, b = SimulatorData(ManualClock(T)), SimulatorData(ManualClock(T))
    c = SimulatorData(ManualClock(T), SimulatorConfig(seed=8))
    assert await a.latest(GOOG) == await b.latest(GOOG)
    assert (await a.latest(GOOG)).price != (await c.latest(GOOG)).price
    # the order of questions does not change the answers
    late = await a.bars(GOOG, "1d", datetime_to_ns(datetime(2024, 1, 1)), T)
    early = await b.bars(GOOG, "1d", datetime_to_ns(datetime(2023, 6, 1)), T)
    assert late == early[-len(late) :]


async def test_prices_and_spreads_are_plausible_for_decades() -> None:
    sim = SimulatorData(ManualClock(T))
    closes = [sim.model.close(EURUSD, day) for day in range(0, 20_000, 5)]
    assert 0.5 < min(closes) < max(closes) < 2.2
    quote = await sim.latest(EURUSD)
    assert quote.bid is not None
    assert quote.ask is not None
    assert 0.00001 <= quote.ask - quote.bid <= 0.0003  # under about three pips
    stock = await sim.latest(GOOG)
    assert stock.bid is not None
    assert stock.ask is not None
    assert 0.01 <= stock.ask - stock.bid <= stock.price * 0.001


async def test_intraday_bars_agree_with_the_daily_bar_and_the_quote() -> None:
    clock = ManualClock(datetime_to_ns(datetime(2024, 3, 6, 12, tzinfo=UTC)))
    sim = SimulatorData(clock)
    day = datetime_to_ns(datetime(2024, 3, 5, tzinfo=UTC))
    (daily,) = await sim.bars(GOOG, "1d", day, day + 86_400 * 10**9)
    hourly = await sim.bars(GOOG, "1h", day, day + 86_400 * 10**9)
    assert len(hourly) == 7  # 14:30–21:00 UTC
    assert hourly[0].open == daily.open
    assert hourly[-1].close == daily.close
    assert max(h.high for h in hourly) == daily.high
    assert min(h.low for h in hourly) == daily.low
    snap = sim.snapshot(GOOG, hourly[2].ts_event + 3_600 * 10**9 - 1)
    assert math.isclose(snap.price, hourly[2].close, rel_tol=1e-9)


async def test_weekends_have_no_bars_and_no_future_bars() -> None:
    clock = ManualClock(T)
    sim = SimulatorData(clock)
    bars = await sim.bars(
        GOOG, "1d", datetime_to_ns(datetime(2024, 3, 1)), datetime_to_ns(datetime(2024, 3, 12))
    )
    days = [datetime.fromtimestamp(b.ts_event / 1e9, UTC).strftime("%a %d") for b in bars]
    assert days == ["Fri 01", "Mon 04", "Tue 05"]


async def test_stream_emits_on_the_clock() -> None:
    clock = ManualClock(T)
    stream = SimulatorStream(clock, SimulatorConfig(quote_interval_s=1.0))
    await stream.subscribe([GOOG, EURUSD])
    events = stream.events()
    pending = events.__anext__()
    import asyncio

    task = asyncio.ensure_future(pending)
    await asyncio.sleep(0)
    assert clock.sleepers == 1
    clock.advance(1.0)
    first = await task
    got = [first] + [await events.__anext__() for _ in range(2)]
    assert [type(e) for e in got] == [Quote, Trade, Quote]
    assert {e.symbol for e in got} == {"GOOG", "EUR/USD"}
    assert all(e.ts_event == T + 10**9 for e in got)
    await stream.aclose()
    await events.aclose()
