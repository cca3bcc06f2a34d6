"""``MarketHours`` over a set of session calendars, with one cached window per instrument.

Which calendar an instrument follows is decided once (``CalendarChoice``: a per-symbol setting,
else the stock default, ``XNYS``, for stocks and the forex week for pairs). The answer to "is it
open at ``ts``?" only changes at an open or a close, so each instrument keeps the window it was
last asked about: a tick inside it costs a dict lookup and two integer compares; only a tick past
the window's end asks the calendar again (once per session, not per tick). ``benchmarks/markets.py``
measures that against asking the calendar library on every tick.

Sessions that follow one another without a gap (the forex week's five days, an always-open
calendar's days) are one open *span*: ``next_close`` is the end of the span (Friday 17:00 New York
for forex, not the daily roll), and intraday bars are cut only at a span's ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from freeride.core.errors import InvalidInput
from freeride.core.instruments import Instrument
from freeride.core.sessions import ALWAYS_OPEN, FAR_FUTURE_NS, FAR_PAST_NS, FOREX, MarketWindow, Session
from freeride.ports.calendar import SessionCalendar

# Sessions joined into one span at most; past it the span is taken as unbounded (an always-open
# calendar would otherwise be walked forever). The forex week needs 5.
MAX_JOINED = 8


@dataclass(frozen=True)
class CalendarChoice:
    """Which calendar an instrument follows: ``by_symbol`` first, then by asset class."""

    stock: str = "XNYS"
    forex: str = FOREX
    by_symbol: Mapping[str, str] = field(default_factory=dict)
    always_open: bool = False

    def name_for(self, instrument: Instrument) -> str:
        if self.always_open:
            return ALWAYS_OPEN
        chosen = self.by_symbol.get(instrument.symbol)
        if chosen is not None:
            return chosen
        return self.forex if instrument.is_forex else self.stock

    def names(self, instruments: list[Instrument]) -> list[str]:
        """The calendars ``instruments`` need, each once, in first-use order."""
        return list(dict.fromkeys(self.name_for(i) for i in instruments))


class CalendarMarketHours:
    """``MarketHours`` from named ``SessionCalendar``s (see the module docstring)."""

    def __init__(self, calendars: Mapping[str, SessionCalendar], choice: CalendarChoice) -> None:
        self._calendars = dict(calendars)
        self.choice = choice
        self._windows: dict[str, MarketWindow] = {}
        self._assigned: dict[str, SessionCalendar] = {}
        self.refreshes = 0  # windows computed (the slow path), for tests and the benchmark

    @property
    def always_open(self) -> bool:
        return self.choice.always_open

    @property
    def calendars(self) -> Mapping[str, SessionCalendar]:
        return self._calendars

    def calendar_of(self, instrument: Instrument) -> SessionCalendar:
        found = self._assigned.get(instrument.symbol)
        if found is not None:
            return found
        name = self.choice.name_for(instrument)
        calendar = self._calendars.get(name)
        if calendar is None:
            raise InvalidInput(
                f"{instrument.symbol} follows calendar {name!r}, which is not loaded "
                f"(loaded: {', '.join(self._calendars) or 'none'})"
            )
        self._assigned[instrument.symbol] = calendar
        return calendar

    # -- the hot path ------------------------------------------------------------------------
    def window(self, instrument: Instrument, ts_ns: int) -> MarketWindow:
        cached = self._windows.get(instrument.symbol)
        if cached is not None and cached.start_ns <= ts_ns < cached.end_ns:
            return cached
        fresh = self._compute(self.calendar_of(instrument), ts_ns)
        self._windows[instrument.symbol] = fresh
        return fresh

    def is_open(self, instrument: Instrument, ts_ns: int) -> bool:
        cached = self._windows.get(instrument.symbol)
        if cached is not None and cached.start_ns <= ts_ns < cached.end_ns:
            return cached.session is not None
        return self.window(instrument, ts_ns).session is not None

    # -- questions asked now and then ----------------------------------------------------------
    def session(self, instrument: Instrument, ts_ns: int) -> Session | None:
        return self.window(instrument, ts_ns).session

    def next_session(self, instrument: Instrument, ts_ns: int) -> Session | None:
        calendar = self.calendar_of(instrument)
        found = calendar.session_at_or_after(ts_ns)
        if found is not None and found.open_ns <= ts_ns:
            found = calendar.session_at_or_after(found.close_ns)
        return found

    def next_open(self, instrument: Instrument, ts_ns: int) -> int | None:
        current = self.window(instrument, ts_ns)
        after = current.end_ns if current.session is None else current.span_close_ns
        if after >= FAR_FUTURE_NS:
            return None
        if current.session is None:
            return after
        following = self.calendar_of(instrument).session_at_or_after(after)
        return None if following is None else following.open_ns

    def next_close(self, instrument: Instrument, ts_ns: int) -> int | None:
        current = self.window(instrument, ts_ns)
        if current.session is None:
            if current.end_ns >= FAR_FUTURE_NS:
                return None
            current = self._compute(self.calendar_of(instrument), current.end_ns)
        return None if current.span_close_ns >= FAR_FUTURE_NS else current.span_close_ns

    # -- the slow path -----------------------------------------------------------------------
    def _compute(self, calendar: SessionCalendar, ts_ns: int) -> MarketWindow:
        self.refreshes += 1
        upcoming = calendar.session_at_or_after(ts_ns)
        if upcoming is None or ts_ns < upcoming.open_ns:
            before = calendar.session_before(ts_ns)
            closed_at = before.close_ns if before is not None else FAR_PAST_NS
            opens_at = upcoming.open_ns if upcoming is not None else FAR_FUTURE_NS
            return MarketWindow(
                start_ns=closed_at,
                end_ns=opens_at,
                session=None,
                span_open_ns=closed_at,
                span_close_ns=opens_at,
            )
        return MarketWindow(
            start_ns=upcoming.open_ns,
            end_ns=upcoming.close_ns,
            session=upcoming,
            span_open_ns=_span_open(calendar, upcoming),
            span_close_ns=_span_close(calendar, upcoming),
        )


def _span_open(calendar: SessionCalendar, session: Session) -> int:
    start = session.open_ns
    for _ in range(MAX_JOINED):
        before = calendar.session_before(start)
        if before is None or before.close_ns != start:
            return start
        start = before.open_ns
    return FAR_PAST_NS


def _span_close(calendar: SessionCalendar, session: Session) -> int:
    end = session.close_ns
    for _ in range(MAX_JOINED):
        after = calendar.session_at_or_after(end)
        if after is None or after.open_ns != end:
            return end
        end = after.close_ns
    return FAR_FUTURE_NS
