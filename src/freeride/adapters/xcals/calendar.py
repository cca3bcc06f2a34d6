"""One exchange's sessions from ``exchange_calendars``, as plain integer arrays searched by bisection.

The library (Apache-2.0, maintained, 50+ exchanges, holidays and early closes through its rules
and tables) is asked once, when the calendar is built: its sessions over ``[start, end]`` become
lists of UTC nanoseconds, and every later question is a ``bisect`` on them, with no pandas on the
path. Building imports pandas and takes about a second: callers build off the event loop.

A session with a lunch break (Hong Kong, Tokyo) becomes two sessions with the same trade date,
so the break is closed. ``extended=True`` (US exchanges only) stretches each day from 04:00 New
York (pre-market) to four hours after the close (20:00, or 17:00 on a half day), the hours US
brokers take extended-hours orders in.
"""

from __future__ import annotations

import warnings
from bisect import bisect_right
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from freeride.core.clock import NS_PER_SECOND, datetime_to_ns
from freeride.core.errors import InvalidInput
from freeride.core.sessions import Session

US_EXCHANGES = frozenset({"XNYS", "XNAS", "XASE", "ARCX", "BATS", "IEPA", "NYSE", "NASDAQ"})
_AFTER_HOURS_NS = 4 * 3_600 * NS_PER_SECOND
_PRE_MARKET = time(4, 0)
_NAT = -(2**63)


def calendar_names() -> list[str]:
    """Every calendar name the library knows (MICs and their aliases)."""
    import exchange_calendars as xcals

    return sorted(xcals.get_calendar_names(include_aliases=True))


class ExchangeCalendar:
    """``SessionCalendar`` for the exchange ``name`` between ``start`` and ``end`` (dates)."""

    def __init__(self, name: str, start: date, end: date, *, extended: bool = False) -> None:
        if extended and name not in US_EXCHANGES:
            raise InvalidInput(
                f"extended hours are known for US exchanges only ({', '.join(sorted(US_EXCHANGES))}), "
                f"not {name!r}"
            )
        with warnings.catch_warnings():  # the library reads pandas 3's deprecated Series.values
            warnings.simplefilter("ignore")
            calendar = _load(name, start, end)
            early = {int(d) for d in calendar.early_closes.asi8}
            columns = (
                calendar.sessions.asi8.tolist(),
                calendar.opens_nanos.tolist(),
                calendar.closes_nanos.tolist(),
                calendar.break_starts_nanos.tolist(),
                calendar.break_ends_nanos.tolist(),
            )
        self.name = name
        self.timezone = str(calendar.tz)
        self.extended = extended
        self.first_day = start
        self.last_day: date = calendar.last_session.date()
        zone = ZoneInfo(self.timezone)
        sessions: list[Session] = []
        for day, opened, closed, lunch, resumed in zip(*columns, strict=True):
            half = day in early
            if extended:
                local = datetime.fromtimestamp(day // NS_PER_SECOND, tz=UTC).date()
                opened = datetime_to_ns(datetime.combine(local, _PRE_MARKET, zone))
                closed += _AFTER_HOURS_NS
            elif lunch != _NAT and resumed != _NAT:
                sessions.append(Session(open_ns=opened, close_ns=lunch, day_ns=day, early_close=half))
                opened = resumed
            sessions.append(Session(open_ns=opened, close_ns=closed, day_ns=day, early_close=half))
        self._sessions = sessions
        self._closes = [s.close_ns for s in sessions]

    def __len__(self) -> int:
        return len(self._sessions)

    def session_at_or_after(self, ts_ns: int) -> Session | None:
        i = bisect_right(self._closes, ts_ns)
        return self._sessions[i] if i < len(self._sessions) else None

    def session_before(self, ts_ns: int) -> Session | None:
        i = bisect_right(self._closes, ts_ns) - 1
        return self._sessions[i] if i >= 0 else None


def _load(name: str, start: date, end: date) -> Any:
    import exchange_calendars as xcals
    from exchange_calendars.errors import InvalidCalendarName

    try:
        return xcals.get_calendar(name, start=start.isoformat(), end=end.isoformat())
    except InvalidCalendarName:
        raise InvalidInput(
            f"no exchange calendar named {name!r}; use an ISO MIC such as XNYS, XNAS, XLON, XETR, XTKS"
        ) from None
    except ValueError:  # holidays kept as a table only run so far (XSHG): take what is known
        return xcals.get_calendar(name, start=start.isoformat())
