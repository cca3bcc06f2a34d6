"""Trading sessions: when a market is open, as plain data.

A ``Session`` is one stretch of trading: the regular session of an exchange day (09:30–16:00 New
York for the NYSE, 13:00 on a half day), one of the two halves of a day with a lunch break, or one
trading day of the forex week (17:00 New York to 17:00 New York). ``day_ns`` is the session's
trade date at midnight UTC: the key a daily bar of that session is stored under, the same key the
providers' and the replay's daily bars carry, so a daily bar built live and one fetched later land
on the same row.

A ``MarketWindow`` is what the hot path caches per instrument: a stretch of time over which the
answer to "is it open?" does not change. While ``start_ns <= ts < end_ns`` a tick needs no other
question (two integer compares); outside it, the market-hours service is asked for the next window.
"""

from __future__ import annotations

import msgspec

from freeride.core.clock import NS_PER_SECOND

DAY_NS = 86_400 * NS_PER_SECOND
FAR_PAST_NS = -(2**62)
FAR_FUTURE_NS = 2**62


class Session(msgspec.Struct, frozen=True, kw_only=True):
    """One stretch of trading, ``open_ns <= t < close_ns`` (UTC nanoseconds)."""

    open_ns: int
    close_ns: int
    day_ns: int
    early_close: bool = False

    def __contains__(self, ts_ns: int) -> bool:
        return self.open_ns <= ts_ns < self.close_ns


class MarketWindow(msgspec.Struct, frozen=True, kw_only=True):
    """A stretch ``[start_ns, end_ns)`` over which one instrument's market is open, or closed.

    Open: ``session`` is the session being traded and the window is that session; ``span_open_ns`` /
    ``span_close_ns`` bound the uninterrupted open period it belongs to (sessions that follow one
    another without a gap, such as the five days of the forex week, make one span: an intraday bar
    is cut only where trading really stops). Closed: ``session`` is ``None``, ``start_ns`` is when
    the market closed and ``end_ns`` when it opens (``FAR_PAST_NS`` / ``FAR_FUTURE_NS`` beyond what
    the calendar knows).
    """

    start_ns: int
    end_ns: int
    session: Session | None
    span_open_ns: int
    span_close_ns: int

    @property
    def is_open(self) -> bool:
        return self.session is not None

    def __contains__(self, ts_ns: int) -> bool:
        return self.start_ns <= ts_ns < self.end_ns


ALWAYS_OPEN = "ALWAYS"
FOREX = "FOREX"
