"""Bars from ticks: trades (or quote mids, for a symbol that prints no trades) grouped by interval.

Intervals sit on fixed UTC boundaries: multiples of the interval since the epoch (``1d`` at
midnight UTC), except ``1w``, which starts on Mondays. A bar is published once its interval is
over: when the first tick of a later interval arrives, or when the injected clock passes the
interval's end (plus ``grace_s``) with no such tick, so a quiet market still closes its bar. An
interval without ticks makes no bar. ``ts_event`` of a bar is its opening time, as for replayed bars.

With market hours (``LiveBars(..., hours=...)``) bars follow the sessions: a tick outside its
market's session makes no bar (counted in ``off_session``); an intraday bar is cut at the open and
at the close (the 1h bar of a 09:30 open starts at 09:30, the last one of a 13:00 half day ends at
13:00), where sessions that follow one another without a gap (the forex week) count as one open
stretch; a daily bar is one session (stored under its trade date at midnight UTC, as providers'
daily bars are) and a weekly bar the sessions of one Monday-based week, each published at its
last session's close. The per-tick check is two integer compares against the instrument's
cached window (``MarketHours.window``).

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
from freeride.core.instruments import Instrument, parse_instrument
from freeride.core.market import INTERVAL_SECONDS, Bar, Quote, Trade
from freeride.core.sessions import FAR_FUTURE_NS, FAR_PAST_NS, MarketWindow, Session
from freeride.ports.bus import Bus, Subscription
from freeride.ports.calendar import MarketHours

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
    """One symbol's bars of one interval; every method returns the bars it completed (0 or 1).

    Each bar has a *key* (which bucket a tick belongs to, increasing with time), an opening time
    ``start_ns`` (the bar's ``ts_event``) and an ``end_ns`` after which it is complete. Without
    sessions the three come from fixed UTC boundaries; with a ``MarketWindow`` passed along each
    tick they follow the session (see the module docstring).
    """

    def __init__(self, symbol: str, interval: str) -> None:
        self.symbol = symbol
        self.interval = interval
        self.size_ns = interval_ns(interval)
        self.daily = self.size_ns >= _DAY_NS
        self.has_trades = False
        self.key: int | None = None  # bucket of the bar being built
        self.start_ns: int | None = None  # opening time of the bar being built
        self.end_ns: int | None = None  # when the bar being built is complete
        self._trades: _Ohlcv | None = None
        self._mids: _Ohlcv | None = None
        self._floor = -(2**63)  # ticks in buckets before this one are late
        self.late = 0
        self.built = 0

    def session_key(self, session: Session) -> int:
        """The bucket of a daily or weekly bar holding ``session``."""
        if self.interval == "1w":
            return bucket_start(session.day_ns, "1w")
        return session.day_ns

    def on_trade(
        self, price: float, size: float, ts_ns: int, now_ns: int, window: MarketWindow | None = None
    ) -> list[Bar]:
        done = self._roll(ts_ns, now_ns, window)
        if done is None:
            return []
        self.has_trades = True
        if self._trades is None:
            self._trades = _Ohlcv(price, price, price, price, size)
        else:
            self._trades.add(price, size)
        return done

    def on_quote(self, mid: float, ts_ns: int, now_ns: int, window: MarketWindow | None = None) -> list[Bar]:
        done = self._roll(ts_ns, now_ns, window)
        if done is None:
            return []
        if not self.has_trades:
            if self._mids is None:
                self._mids = _Ohlcv(mid, mid, mid, mid, 0.0)
            else:
                self._mids.add(mid, 0.0)
        return done

    def close_due(self, now_ns: int, grace_ns: int = 0) -> list[Bar]:
        """The bar being built, if it ended at least ``grace_ns`` before ``now_ns``."""
        end = self.end_ns
        if end is None or now_ns < end + grace_ns:
            return []
        return self._close(now_ns)

    def _roll(self, ts_ns: int, now_ns: int, window: MarketWindow | None) -> list[Bar] | None:
        """Make room for a tick at ``ts_ns``: the finished bar, if any; ``None`` for a late tick."""
        session = window.session if window is not None else None
        if session is None:
            key = bucket_start(ts_ns, self.interval)
        elif self.daily:
            key = self.session_key(session)
        else:
            key = bucket_start(ts_ns, self.interval)
        if key == self.key:
            return []
        if key < self._floor:
            self.late += 1
            return None
        done = self._close(now_ns) if self.key is not None else []
        self.key = key
        self._floor = key + 1
        if session is None or window is None:
            self.start_ns, self.end_ns = key, key + self.size_ns
        elif self.daily:
            self.start_ns, self.end_ns = key, session.close_ns
        else:
            self.start_ns = max(key, window.span_open_ns)
            self.end_ns = min(key + self.size_ns, window.span_close_ns)
        return done

    def _close(self, now_ns: int) -> list[Bar]:
        start = self.start_ns
        values = self._trades if self.has_trades else self._mids
        self.key = self.start_ns = self.end_ns = None
        self._trades = self._mids = None
        if start is None or values is None:  # only quotes after the symbol started trading: no bar
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


# Without market hours every tick is in session: one window over all time.
_NO_HOURS = MarketWindow(
    start_ns=FAR_PAST_NS,
    end_ns=FAR_FUTURE_NS,
    session=Session(open_ns=FAR_PAST_NS, close_ns=FAR_FUTURE_NS, day_ns=0),
    span_open_ns=FAR_PAST_NS,
    span_close_ns=FAR_FUTURE_NS,
)


# With market hours, before a symbol's first tick: a window no time is in.
_NO_HOURS_YET = MarketWindow(start_ns=0, end_ns=0, session=None, span_open_ns=0, span_close_ns=0)


@dataclass(slots=True)
class _Symbol:
    """One symbol's aggregators and the market window its last tick fell in."""

    instrument: Instrument
    aggregators: list[BarAggregator]
    window: MarketWindow
    off_session: int = 0


class LiveBars(Component):
    """Builds and publishes the bars of ``specs`` ((symbol, interval) pairs) from the bus's ticks.

    Ticks are handled synchronously in publish order; one task sleeps on the clock until the
    earliest open interval ends (plus ``grace_s``) and closes the bars that are due.
    """

    name = "live_bars"

    def __init__(
        self,
        specs: Iterable[tuple[str, str]],
        bus: Bus,
        clock: Clock,
        *,
        grace_s: float = 0.0,
        hours: MarketHours | None = None,
    ) -> None:
        super().__init__()
        self._bus = bus
        self._clock = clock
        self._grace_ns = round(grace_s * NS_PER_SECOND)
        self._hours = hours
        self.aggregators: dict[str, list[BarAggregator]] = {}
        self._symbols: dict[str, _Symbol] = {}
        self._topics: dict[tuple[str, str], str] = {}
        for symbol, interval in dict.fromkeys(specs):
            self._add(symbol, interval)
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
        self._add(symbol, interval)
        if first and self.state is ComponentState.RUNNING:
            self._listen(symbol)
        return True

    def _add(self, symbol: str, interval: str) -> None:
        self.aggregators.setdefault(symbol, []).append(BarAggregator(symbol, interval))
        self._topics[(symbol, interval)] = topics.bar(symbol, interval)
        if symbol not in self._symbols:
            # with market hours the first tick asks the calendar (a window no time is in)
            window = _NO_HOURS if self._hours is None else _NO_HOURS_YET
            self._symbols[symbol] = _Symbol(parse_instrument(symbol), self.aggregators[symbol], window)

    def _listen(self, symbol: str) -> None:
        sub = self._bus.subscribe
        self._subs += [sub(topics.trade(symbol), self.on_trade), sub(topics.quote(symbol), self.on_quote)]

    @property
    def late(self) -> int:
        return sum(a.late for aggs in self.aggregators.values() for a in aggs)

    @property
    def off_session(self) -> int:
        """Ticks dropped because their market was closed at their time."""
        return sum(entry.off_session for entry in self._symbols.values())

    def _publish(self, bars: Sequence[Bar]) -> None:
        for bar in bars:
            self._bus.publish(self._topics[(bar.symbol, bar.interval)], bar)
            self.published += 1

    def _window(self, entry: _Symbol, ts_ns: int) -> MarketWindow | None:
        """The tick's market window (``None`` when closed); the cached one unless ``ts_ns`` left it."""
        window = entry.window
        if not window.start_ns <= ts_ns < window.end_ns:
            assert self._hours is not None  # the no-hours window holds every time
            window = entry.window = self._hours.window(entry.instrument, ts_ns)
        if window.session is None:
            entry.off_session += 1
            return None
        return window

    def on_trade(self, trade: Trade) -> None:
        entry = self._symbols.get(trade.symbol)
        if entry is None:
            return
        window = self._window(entry, trade.ts_event)
        if window is None:
            return
        passed = window if self._hours is not None else None
        now = self._clock.now_ns()
        for agg in entry.aggregators:
            before = agg.key
            self._publish(agg.on_trade(trade.price, trade.size, trade.ts_event, now, passed))
            if agg.key != before:  # a new interval opened: the timer's deadline may be earlier
                self._opened.set()

    def on_quote(self, quote: Quote) -> None:
        entry = self._symbols.get(quote.symbol)
        if entry is None:
            return
        window = self._window(entry, quote.ts_event)
        if window is None:
            return
        passed = window if self._hours is not None else None
        now = self._clock.now_ns()
        for agg in entry.aggregators:
            before = agg.key
            self._publish(agg.on_quote(quote.mid, quote.ts_event, now, passed))
            if agg.key != before:
                self._opened.set()

    def close_due(self) -> None:
        """Publish every bar whose interval (plus the grace) has ended by the clock's time.

        A daily or weekly bar whose next session belongs to the same bar (the afternoon after a
        lunch break, Tuesday in a weekly bar) is extended to that session's close instead.
        """
        now = self._clock.now_ns()
        for entry in self._symbols.values():
            for agg in entry.aggregators:
                end = agg.end_ns
                if end is None or now < end + self._grace_ns:
                    continue
                if self._hours is not None and agg.daily and agg.key is not None:
                    following = self._hours.next_session(entry.instrument, end - 1)
                    if following is not None and agg.session_key(following) == agg.key:
                        agg.end_ns = following.close_ns
                        continue
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
