"""Market hours: what the core asks about when markets open and close.

Two ports. ``SessionCalendar`` is one market's sessions in time order (an exchange calendar from a
library, the forex week as pure code); ``MarketHours`` is what services call about an instrument:
it knows which calendar each instrument follows and keeps, per instrument, the current window so
the question asked on every tick costs two integer compares.

Example (the stalled-feed check of a monitor, the live status, the simulator)::

    if not hours.is_open(instrument, now):
        reopens = hours.next_open(instrument, now)   # ns UTC, None if the calendar does not know
"""

from __future__ import annotations

from typing import Protocol

from freeride.core.instruments import Instrument
from freeride.core.sessions import MarketWindow, Session


class SessionCalendar(Protocol):
    """One market's sessions; both lookups are O(log n) or better and never block."""

    @property
    def name(self) -> str:
        """The calendar's name: an ISO 10383 MIC such as ``XNYS``, or ``FOREX`` / ``ALWAYS``."""
        ...

    @property
    def timezone(self) -> str:
        """The IANA zone the market's hours are set in (``America/New_York``)."""
        ...

    def session_at_or_after(self, ts_ns: int) -> Session | None:
        """The session containing ``ts_ns``, else the first one that opens after it; ``None`` past
        the calendar's last known session."""
        ...

    def session_before(self, ts_ns: int) -> Session | None:
        """The last session that closed at or before ``ts_ns``; ``None`` before the first known."""
        ...


class MarketHours(Protocol):
    """When each instrument's market is open. Every time is UTC nanoseconds since the epoch."""

    @property
    def always_open(self) -> bool:
        """True when every market is treated as open (the ``--always-open`` demo mode)."""
        ...

    def calendar_of(self, instrument: Instrument) -> SessionCalendar:
        """The calendar ``instrument`` follows (settings, else XNYS for stocks, FOREX for pairs)."""
        ...

    def window(self, instrument: Instrument, ts_ns: int) -> MarketWindow:
        """The open or closed stretch containing ``ts_ns`` (cached; hot paths keep the returned
        window and ask again only once ``ts_ns`` leaves it)."""
        ...

    def is_open(self, instrument: Instrument, ts_ns: int) -> bool:
        """Whether ``instrument`` trades at ``ts_ns`` (regular session, or extended when configured)."""
        ...

    def session(self, instrument: Instrument, ts_ns: int) -> Session | None:
        """The session trading at ``ts_ns``, ``None`` while closed."""
        ...

    def next_session(self, instrument: Instrument, ts_ns: int) -> Session | None:
        """The first session that opens after ``ts_ns`` (strictly)."""
        ...

    def next_open(self, instrument: Instrument, ts_ns: int) -> int | None:
        """When the market next goes from closed to open after ``ts_ns`` (sessions that follow one
        another without a gap count as one open stretch)."""
        ...

    def next_close(self, instrument: Instrument, ts_ns: int) -> int | None:
        """When the market next goes from open to closed at or after ``ts_ns``; ``None`` when it
        never closes (always open) or the calendar does not know."""
        ...
