"""What each instrument's market is doing now, for the live view, the API and the dashboard.

A quiet symbol on a Saturday is not a stalled feed: ``market_state`` says "closed until Mon 7 Dec
09:30 EST (14:30 UTC)" — the exchange's own time, which is how traders quote hours, with UTC
beside it — or "open until 16:00 EST (21:00 UTC)", with "half day" when the session closes early.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from freeride.core.clock import ns_to_datetime
from freeride.core.instruments import Instrument
from freeride.ports.calendar import MarketHours


@dataclass(frozen=True, slots=True)
class MarketState:
    """One instrument's market at ``now_ns``; times are UTC nanoseconds, ``None`` when unknown."""

    symbol: str
    calendar: str
    timezone: str
    now_ns: int
    is_open: bool
    always_open: bool
    next_open_ns: int | None
    next_close_ns: int | None
    early_close: bool

    @property
    def status(self) -> str:
        return "open" if self.is_open else "closed"

    @property
    def message(self) -> str:
        """``closed until Mon 7 Dec 09:30 EST (14:30 UTC)``, ``open until …``, ``always open (demo)``."""
        if self.always_open:
            return "always open (demo)"
        if self.is_open:
            if self.next_close_ns is None:
                return "open"
            half = ", half day" if self.early_close else ""
            return f"open until {self.when(self.next_close_ns)}{half}"
        if self.next_open_ns is None:
            return "closed (no session known ahead)"
        return f"closed until {self.when(self.next_open_ns)}"

    def when(self, ts_ns: int) -> str:
        """``ts_ns`` in the market's time and in UTC; the date is left out when it is today."""
        local = ns_to_datetime(ts_ns).astimezone(ZoneInfo(self.timezone))
        utc = ns_to_datetime(ts_ns)
        today = ns_to_datetime(self.now_ns).astimezone(ZoneInfo(self.timezone)).date()
        day = "" if local.date() == today else f"{local:%a} {local.day} {local:%b} "
        if self.timezone == "UTC":
            return f"{day}{local:%H:%M} UTC"
        return f"{day}{local:%H:%M} {local.tzname()} ({utc:%H:%M} UTC)"


def market_state(hours: MarketHours, instrument: Instrument, now_ns: int) -> MarketState:
    calendar = hours.calendar_of(instrument)
    session = hours.session(instrument, now_ns)
    return MarketState(
        symbol=instrument.symbol,
        calendar=calendar.name,
        timezone=calendar.timezone,
        now_ns=now_ns,
        is_open=session is not None,
        always_open=hours.always_open,
        next_open_ns=hours.next_open(instrument, now_ns),
        next_close_ns=hours.next_close(instrument, now_ns),
        early_close=session is not None and session.early_close,
    )


def market_states(hours: MarketHours, instruments: Iterable[Instrument], now_ns: int) -> list[MarketState]:
    return [market_state(hours, i, now_ns) for i in instruments]
