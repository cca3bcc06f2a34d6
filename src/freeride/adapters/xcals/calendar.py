"""One exchange's sessions from ``exchange_calendars``, as plain integer arrays searched by bisection.

The library (Apache-2.0, maintained, 50+ exchanges, holidays and early closes through its rules
and tables) is asked once, when the calendar is loaded: its sessions over ``[start, end]`` become
lists of UTC nanoseconds, and every later question is a ``bisect`` on them, with no pandas on the
path. Loading imports pandas (about a second and 80 MiB): ``ExchangeCalendar.load(...,
isolated=True)`` does it in a short-lived child process, so a long-running service never carries
pandas, only the session lists; callers run it off the event loop either way.

A session with a lunch break (Hong Kong, Tokyo) becomes two sessions with the same trade date,
so the break is closed. ``extended=True`` (US exchanges only) stretches each day from 04:00 New
York (pre-market) to four hours after the close (20:00, or 17:00 on a half day), the hours US
brokers take extended-hours orders in.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import warnings
from bisect import bisect_right
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from freeride.core.clock import NS_PER_SECOND, datetime_to_ns
from freeride.core.errors import InvalidInput
from freeride.core.sessions import Session

US_EXCHANGES = frozenset({"XNYS", "XNAS", "XASE", "ARCX", "BATS", "IEPA", "NYSE", "NASDAQ"})
_AFTER_HOURS_NS = 4 * 3_600 * NS_PER_SECOND
_PRE_MARKET = time(4, 0)
_NAT = -(2**63)

# (open_ns, close_ns, day_ns, early_close): what crosses from the loading process
Row = tuple[int, int, int, bool]


class ExchangeCalendar:
    """``SessionCalendar`` for one exchange over the sessions it was loaded with."""

    def __init__(self, name: str, timezone: str, rows: list[Row], *, extended: bool = False) -> None:
        self.name = name
        self.timezone = timezone
        self.extended = extended
        self._sessions = [Session(open_ns=o, close_ns=c, day_ns=d, early_close=e) for o, c, d, e in rows]
        self._closes = [s.close_ns for s in self._sessions]

    @classmethod
    def load(
        cls,
        name: str,
        start: date,
        end: date,
        *,
        extended: bool = False,
        isolated: bool = False,
        cache: Path | None = None,
    ) -> ExchangeCalendar:
        """The exchange ``name`` between ``start`` and ``end`` (or as far as the library knows).

        ``isolated``: ask the library in a child process (see the module docstring). ``cache``: a
        folder where the sessions are kept per (exchange, dates, library version), so a restart
        reads a small file instead of importing pandas. Raises ``InvalidInput`` for a name the
        library does not know, or extended hours off US exchanges.
        """
        path = None if cache is None else cache / _cache_name(name, start, end, extended)
        cached = _read(path)
        if cached is not None:
            return cls(name, cached[0], cached[1], extended=extended)
        if isolated:
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
                timezone, rows = pool.submit(session_rows, name, start, end, extended).result()
        else:
            timezone, rows = session_rows(name, start, end, extended)
        _write(path, timezone, rows)
        return cls(name, timezone, rows, extended=extended)

    def __len__(self) -> int:
        return len(self._sessions)

    def session_at_or_after(self, ts_ns: int) -> Session | None:
        i = bisect_right(self._closes, ts_ns)
        return self._sessions[i] if i < len(self._sessions) else None

    def session_before(self, ts_ns: int) -> Session | None:
        i = bisect_right(self._closes, ts_ns) - 1
        return self._sessions[i] if i >= 0 else None


def _cache_name(name: str, start: date, end: date, extended: bool) -> str:
    try:
        library = version("exchange_calendars")
    except PackageNotFoundError:
        library = "unknown"
    hours = "extended" if extended else "regular"
    return f"{name}-{start:%Y%m%d}-{end:%Y%m%d}-{hours}-xcals{library}.json"


def _read(path: Path | None) -> tuple[str, list[Row]] | None:
    """The cached sessions, or ``None`` (absent, unreadable, or not what this code writes)."""
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = [(int(o), int(c), int(d), bool(e)) for o, c, d, e in data["rows"]]
        return str(data["timezone"]), rows
    except (OSError, ValueError, KeyError, TypeError):
        return None  # rebuilt from the library below


def _write(path: Path | None, timezone: str, rows: list[Row]) -> None:
    """Keep the sessions for the next start; a cache that cannot be written only costs time."""
    if path is None:
        return
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_text(json.dumps({"timezone": timezone, "rows": rows}), encoding="utf-8")
        partial.replace(path)


def session_rows(name: str, start: date, end: date, extended: bool) -> tuple[str, list[Row]]:
    """The exchange's time zone and its sessions as plain tuples (runs in the loading process)."""
    if extended and name not in US_EXCHANGES:
        known = ", ".join(sorted(US_EXCHANGES))
        raise InvalidInput(f"extended hours are known for US exchanges only ({known}), not {name!r}")
    with warnings.catch_warnings():  # the library reads pandas 3's deprecated Series.values
        warnings.simplefilter("ignore")
        calendar = _library_calendar(name, start, end)
        early = {int(d) for d in calendar.early_closes.asi8}
        columns = (
            calendar.sessions.asi8.tolist(),
            calendar.opens_nanos.tolist(),
            calendar.closes_nanos.tolist(),
            calendar.break_starts_nanos.tolist(),
            calendar.break_ends_nanos.tolist(),
        )
        timezone = str(calendar.tz)
    zone = ZoneInfo(timezone)
    rows: list[Row] = []
    for day, opened, closed, lunch, resumed in zip(*columns, strict=True):
        half = day in early
        if extended:
            local = datetime.fromtimestamp(day // NS_PER_SECOND, tz=UTC).date()
            opened = datetime_to_ns(datetime.combine(local, _PRE_MARKET, zone))
            closed += _AFTER_HOURS_NS
        elif lunch != _NAT and resumed != _NAT:
            rows.append((opened, lunch, day, half))
            opened = resumed
        rows.append((opened, closed, day, half))
    return timezone, rows


def _library_calendar(name: str, start: date, end: date) -> Any:
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
