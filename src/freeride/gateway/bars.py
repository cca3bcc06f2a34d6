"""Bars from ticks: trades (or quote mids, for a symbol that prints no trades) grouped by interval.

Intervals sit on fixed UTC boundaries: multiples of the interval since the epoch (``1d`` at
midnight UTC), except ``1w``, which starts on Mondays. A bar is published once its interval is
over: when the first tick of a later interval arrives, or when the injected clock passes the
interval's end (plus ``grace_s``) with no such tick, so a quiet market still closes its bar. An
interval without ticks makes no bar. ``ts_event`` of a bar is its opening time, as for replayed bars.

Source per symbol: once a symbol has printed a trade, its bars are built from trades only (volume
is the traded size); until then they are built from quote mids (volume 0). A tick older than the
bar being built (its interval already published) is counted in ``late`` and dropped.

``BarAggregator`` is the pure logic for one (symbol, interval); ``LiveBars`` is the bus component
that feeds a set of them from the quote and trade topics and runs the closing timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from freeride.bus import topics
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component, ComponentState
from freeride.core.market import INTERVAL_SECONDS, Bar, Quote, Trade
from freeride.ports.bus import Bus, Subscription

_DAY_NS = 86_400 * NS_PER_SECOND
_WEEK_OFFSET_NS = 4 * _DAY_NS  # 1970-01-01 was a Thursday; 1970-01-05 a Monday


def interval_ns(interval: str) -> int:
    """Length of ``interval`` in nanoseconds; unknown names raise ``ValueError``."""
    seconds = INTERVAL_SECONDS.get(interval)
    if seconds is None:
        raise ValueError(f"interval {interval!r} is unknown; use one of {', '.join(INTERVAL_SECONDS)}")
    return seconds * NS_PER_SECOND


def bucket_start(ts_ns: int, interval: str) -> int:
    """Opening time of the interval that contains ``ts_ns``."""
    size = interval_ns(interval)
    offset = _WEEK_OFFSET_NS if interval == "1w" else 0
    return (ts_ns - offset) // size * size + offset


@dataclass(slots=True)
class _Ohlcv:
    open: float
    high: float
    low: float
    close: float
    volume: float

    def add(self, price: float, size: float) -> None:
        if price > self.high:
            self.high = price
        if price < self.low:
            self.low = price
        self.close = price
        self.volume += size


class BarAggregator:
    """One symbol's bars of one interval; every method returns the bars it completed (0 or 1)."""

    def __init__(self, symbol: str, interval: str) -> None:
        self.symbol = symbol
        self.interval = interval
        self.size_ns = interval_ns(interval)
        self.has_trades = False
        self.start_ns: int | None = None  # opening time of the interval being built
        self._trades: _Ohlcv | None = None
        self._mids: _Ohlcv | None = None
        self._floor = -(2**63)  # ticks in intervals before this one are late
        self.late = 0
        self.built = 0

    @property
    def end_ns(self) -> int | None:
        """When the interval being built is over (``None`` when nothing is being built)."""
        return None if self.start_ns is None else self.start_ns + self.size_ns

    def on_trade(self, price: float, size: float, ts_ns: int, now_ns: int) -> list[Bar]:
        done = self._roll(ts_ns, now_ns)
        if done is None:
            return []
        self.has_trades = True
        if self._trades is None:
            self._trades = _Ohlcv(price, price, price, price, size)
        else:
            self._trades.add(price, size)
        return done

    def on_quote(self, mid: float, ts_ns: int, now_ns: int) -> list[Bar]:
        done = self._roll(ts_ns, now_ns)
        if done is None:
            return []
        if not self.has_trades:
            if self._mids is None:
                self._mids = _Ohlcv(mid, mid, mid, mid, 0.0)
            else:
                self._mids.add(mid, 0.0)
        return done

    def close_due(self, now_ns: int, grace_ns: int = 0) -> list[Bar]:
        """The bar being built, if its interval ended at least ``grace_ns`` before ``now_ns``."""
        end = self.end_ns
        if end is None or now_ns < end + grace_ns:
            return []
        return self._close(now_ns)

    def _roll(self, ts_ns: int, now_ns: int) -> list[Bar] | None:
        """Make room for a tick at ``ts_ns``: the finished bar, if any; ``None`` for a late tick."""
        start = bucket_start(ts_ns, self.interval)
        if start < self._floor:
            self.late += 1
            return None
        if start == self.start_ns:
            return []
        done = self._close(now_ns) if self.start_ns is not None else []
        self.start_ns = self._floor = start
        return done

    def _close(self, now_ns: int) -> list[Bar]:
        start = self.start_ns
        values = self._trades if self.has_trades else self._mids
        self.start_ns = None
        self._trades = self._mids = None
        if start is None:
            return []
        self._floor = start + self.size_ns
        if values is None:  # only quotes after the symbol started trading: an empty interval
            return []
        self.built += 1
        bar = Bar(
            symbol=self.symbol,
            interval=self.interval,
            open=values.open,
            high=values.high,
            low=values.low,
            close=values.close,
            volume=values.volume,
            ts_event=start,
            ts_init=now_ns,
        )
        return [bar]


class LiveBars(Component):
    """Builds and publishes the bars of ``specs`` ((symbol, interval) pairs) from the bus's ticks.

    Ticks are handled synchronously in publish order; one task sleeps on the clock until the
    earliest open interval ends (plus ``grace_s``) and closes the bars that are due.
    """

    name = "live_bars"

    def __init__(
        self, specs: Iterable[tuple[str, str]], bus: Bus, clock: Clock, *, grace_s: float = 0.0
    ) -> None:
        super().__init__()
        self._bus = bus
        self._clock = clock
        self._grace_ns = round(grace_s * NS_PER_SECOND)
        self.aggregators: dict[str, list[BarAggregator]] = {}
        self._topics: dict[tuple[str, str], str] = {}
        for symbol, interval in dict.fromkeys(specs):
            self.aggregators.setdefault(symbol, []).append(BarAggregator(symbol, interval))
            self._topics[(symbol, interval)] = topics.bar(symbol, interval)
        self._subs: list[Subscription] = []
        self._task: asyncio.Task[None] | None = None
        self._opened = asyncio.Event()
        self.published = 0

    def track(self, symbol: str, interval: str) -> bool:
        """Build bars of ``(symbol, interval)`` too, from now on (an alert on the RSI of a watched
        symbol needs its bars); ``False`` when they are built already."""
        if (symbol, interval) in self._topics:
            return False
        first = symbol not in self.aggregators
        self.aggregators.setdefault(symbol, []).append(BarAggregator(symbol, interval))
        self._topics[(symbol, interval)] = topics.bar(symbol, interval)
        if first and self.state is ComponentState.RUNNING:
            self._listen(symbol)
        return True

    def _listen(self, symbol: str) -> None:
        sub = self._bus.subscribe
        self._subs += [sub(topics.trade(symbol), self.on_trade), sub(topics.quote(symbol), self.on_quote)]

    @property
    def late(self) -> int:
        return sum(a.late for aggs in self.aggregators.values() for a in aggs)

    def _publish(self, bars: Sequence[Bar]) -> None:
        for bar in bars:
            self._bus.publish(self._topics[(bar.symbol, bar.interval)], bar)
            self.published += 1

    def on_trade(self, trade: Trade) -> None:
        now = self._clock.now_ns()
        for agg in self.aggregators.get(trade.symbol, ()):
            before = agg.start_ns
            self._publish(agg.on_trade(trade.price, trade.size, trade.ts_event, now))
            if agg.start_ns != before:  # a new interval opened: the timer's deadline may be earlier
                self._opened.set()

    def on_quote(self, quote: Quote) -> None:
        now = self._clock.now_ns()
        for agg in self.aggregators.get(quote.symbol, ()):
            before = agg.start_ns
            self._publish(agg.on_quote(quote.mid, quote.ts_event, now))
            if agg.start_ns != before:
                self._opened.set()

    def close_due(self) -> None:
        """Publish every bar whose interval (plus the grace) has ended by the clock's time."""
        now = self._clock.now_ns()
        for aggs in self.aggregators.values():
            for agg in aggs:
                self._publish(agg.close_due(now, self._grace_ns))

    def _next_deadline(self) -> int | None:
        ends = [a.end_ns for aggs in self.aggregators.values() for a in aggs if a.end_ns is not None]
        return min(ends) + self._grace_ns if ends else None

    async def _sleep_until(self, deadline_ns: int) -> None:
        # the delay is read when the sleep begins, so time moved meanwhile is not slept twice
        await self._clock.sleep((deadline_ns - self._clock.now_ns()) / NS_PER_SECOND)

    async def _timer(self) -> None:
        while True:
            self._opened.clear()
            deadline = self._next_deadline()
            waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(self._opened.wait())]
            if deadline is not None:
                waiters.append(asyncio.ensure_future(self._sleep_until(deadline)))
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
            self.close_due()

    async def _on_start(self) -> None:
        for symbol in self.aggregators:
            self._listen(symbol)
        self._opened = asyncio.Event()
        self._task = self.spawn(self._timer)

    async def _on_stop(self) -> None:
        """Stop listening; a bar whose interval has not ended is not published (it is incomplete)."""
        for s in self._subs:
            s.cancel()
        self._subs.clear()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
