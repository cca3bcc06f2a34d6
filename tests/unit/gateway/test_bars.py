"""Bars from ticks: the aggregator against a naive grouping, and the bus component on a ManualClock."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.market import Bar, Quote, Trade
from freeride.gateway.bars import BarAggregator, LiveBars, bucket_start
from freeride.testing.fakes.waiting import until

S = NS_PER_SECOND
T0 = 1_717_372_800 * S  # 2024-06-03 00:00 UTC, a Monday


@dataclass(frozen=True)
class Tick:
    ts: int
    price: float
    size: float
    is_trade: bool


def naive_bars(ticks: list[Tick], symbol: str, interval: str, size_ns: int) -> list[tuple[object, ...]]:
    """Group time-ordered ticks by interval; trades once the symbol has traded, else quote mids."""
    out: list[tuple[object, ...]] = []
    buckets: dict[int, list[Tick]] = {}
    for tick in ticks:
        buckets.setdefault(tick.ts // size_ns * size_ns, []).append(tick)
    traded = False
    for start in sorted(buckets):
        group = buckets[start]
        traded = traded or any(t.is_trade for t in group)
        used = [t for t in group if t.is_trade == traded]
        if not used:
            continue
        prices = [t.price for t in used]
        volume = sum(t.size for t in used) if traded else 0.0
        out.append((symbol, interval, prices[0], max(prices), min(prices), prices[-1], volume, start))
    return out


def run_aggregator(ticks: list[Tick], interval: str) -> list[Bar]:
    agg = BarAggregator("AAPL", interval)
    bars: list[Bar] = []
    for tick in ticks:
        if tick.is_trade:
            bars += agg.on_trade(tick.price, tick.size, tick.ts, tick.ts)
        else:
            bars += agg.on_quote(tick.price, tick.ts, tick.ts)
    last = ticks[-1].ts if ticks else 0
    bars += agg.close_due(last + 10**15)
    return bars


def key(bar: Bar) -> tuple[object, ...]:
    return (bar.symbol, bar.interval, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.ts_event)


ticks_st = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=600 * S),
        st.floats(min_value=1.0, max_value=500.0, allow_nan=False),
        st.floats(min_value=0.0, max_value=1_000.0, allow_nan=False),
        st.booleans(),
    ),
    max_size=60,
).map(lambda raw: [Tick(T0 + ts, p, sz, tr) for ts, p, sz, tr in sorted(raw, key=lambda r: r[0])])


@settings(max_examples=300, deadline=None)
@given(ticks=ticks_st)
def test_aggregator_matches_naive_grouping(ticks: list[Tick]) -> None:
    bars = run_aggregator(ticks, "1m")
    assert [key(b) for b in bars] == naive_bars(ticks, "AAPL", "1m", 60 * S)


@settings(max_examples=100, deadline=None)
@given(ticks=ticks_st.map(lambda ts: [Tick(t.ts, t.price, 0.0, False) for t in ts]))
def test_quote_only_symbol_builds_bars_from_mids(ticks: list[Tick]) -> None:
    bars = run_aggregator(ticks, "5m")
    assert [key(b) for b in bars] == naive_bars(ticks, "AAPL", "5m", 300 * S)
    assert all(b.volume == 0.0 for b in bars)


@pytest.mark.parametrize(
    ("ts", "interval", "start"),
    [
        (T0 + 59 * S, "1m", T0),
        (T0 + 60 * S, "1m", T0 + 60 * S),
        (T0 + 3_599 * S, "1h", T0),
        (T0 + 86_399 * S, "1d", T0),
        (T0 + 6 * 86_400 * S, "1w", T0),  # a Sunday belongs to the week that started on Monday
        (T0 + 7 * 86_400 * S, "1w", T0 + 7 * 86_400 * S),
    ],
)
def test_intervals_sit_on_utc_boundaries(ts: int, interval: str, start: int) -> None:
    assert bucket_start(ts, interval) == start


def test_a_bar_closes_on_the_next_intervals_first_tick_or_late_ticks_are_dropped() -> None:
    agg = BarAggregator("AAPL", "1m")
    assert agg.on_trade(10.0, 1.0, T0 + 1 * S, T0 + 1 * S) == []
    assert agg.on_trade(12.0, 2.0, T0 + 30 * S, T0 + 30 * S) == []
    assert agg.on_trade(9.0, 3.0, T0 + 59 * S, T0 + 59 * S) == []
    [bar] = agg.on_trade(11.0, 1.0, T0 + 61 * S, T0 + 61 * S)
    assert key(bar) == ("AAPL", "1m", 10.0, 12.0, 9.0, 9.0, 6.0, T0)
    assert bar.ts_init == T0 + 61 * S
    assert agg.on_trade(50.0, 1.0, T0 + 59 * S, T0 + 62 * S) == []  # late: its bar was published
    assert agg.late == 1
    assert agg.close_due(T0 + 119 * S) == []  # not over yet
    [second] = agg.close_due(T0 + 120 * S)
    assert key(second) == ("AAPL", "1m", 11.0, 11.0, 11.0, 11.0, 1.0, T0 + 60 * S)
    assert agg.close_due(T0 + 500 * S) == []  # empty intervals make no bar


def test_grace_holds_the_timer_close_back() -> None:
    agg = BarAggregator("AAPL", "1m")
    agg.on_quote(1.0, T0, T0)
    assert agg.close_due(T0 + 60 * S, grace_ns=2 * S) == []
    assert len(agg.close_due(T0 + 62 * S, grace_ns=2 * S)) == 1


async def test_live_bars_publish_on_ticks_and_on_the_clock() -> None:
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    seen: list[Bar] = []
    bus.subscribe(topics.ALL_BARS, seen.append)
    bars = LiveBars([("AAPL", "1m"), ("EUR/USD", "1m"), ("EUR/USD", "5m")], bus, clock)
    await bars.start()

    def quote(symbol: str, bid: float, ask: float) -> None:
        now = clock.now_ns()
        bus.publish(topics.quote(symbol), Quote(symbol=symbol, bid=bid, ask=ask, ts_event=now, ts_init=now))

    def trade(price: float) -> None:
        now = clock.now_ns()
        bus.publish(
            topics.trade("AAPL"), Trade(symbol="AAPL", price=price, size=5, ts_event=now, ts_init=now)
        )

    trade(100.0)
    quote("EUR/USD", 1.0999, 1.1001)
    clock.advance(30)
    trade(101.0)
    quote("AAPL", 90.0, 91.0)  # ignored for AAPL's bars: it trades
    await until(lambda: clock.sleepers > 0)
    clock.advance(31)  # past the minute with no tick: the timer closes both 1m bars
    await until(lambda: len(seen) == 2)
    assert {(b.symbol, b.interval, b.open, b.close, b.volume) for b in seen} == {
        ("AAPL", "1m", 100.0, 101.0, 10.0),
        ("EUR/USD", "1m", 1.1, 1.1, 0.0),
    }
    assert all(b.ts_event == T0 and b.ts_init == T0 + 61 * S for b in seen)
    clock.advance(240)  # the 5m bar closes with nothing new in between
    await until(lambda: len(seen) == 3)
    assert (seen[-1].symbol, seen[-1].interval, seen[-1].ts_event) == ("EUR/USD", "5m", T0)
    clock.advance(600)  # no ticks: no bars
    for _ in range(50):
        await until(lambda: True)
    assert len(seen) == 3
    await bars.stop()
    assert bars.published == 3
