"""The forex week and the always-open demo calendar: sessions as pure code, no library.

Spot forex trades around the clock from Sunday 17:00 to Friday 17:00 New York time. The industry
cuts that week into five trading days at 17:00 New York (the "New York close"): the day that ends
Monday 17:00 is Monday's, its daily bar is stored under Monday. The times are New York wall-clock
times, so the week starts at 21:00 UTC in New York summer and 22:00 UTC in winter, whatever London
or Frankfurt have switched to (the weeks of March and October/November when the US and Europe
change clocks on different Sundays are the classic trap). ``zoneinfo`` does the conversion.

``AlwaysOpen`` is the calendar of ``--always-open`` (demos): one session per UTC day, every day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from freeride.core.clock import datetime_to_ns, ns_to_datetime
from freeride.core.sessions import ALWAYS_OPEN, DAY_NS, FOREX, Session

NEW_YORK = ZoneInfo("America/New_York")
_ROLL = time(17, 0)
_ONE_DAY = timedelta(days=1)


def _midnight_utc_ns(day: date) -> int:
    return datetime_to_ns(datetime(day.year, day.month, day.day, tzinfo=UTC))


class ForexWeek:
    """Sunday 17:00 to Friday 17:00 New York, in five trading days that roll at 17:00 New York."""

    name = FOREX
    timezone = "America/New_York"

    def session_for(self, trade_date: date) -> Session:
        """The session of ``trade_date`` (a weekday): from 17:00 New York the day before to 17:00."""
        if trade_date.weekday() >= 5:
            raise ValueError(f"{trade_date} is a weekend: forex has no session that day")
        close = datetime.combine(trade_date, _ROLL, NEW_YORK)
        opened = datetime.combine(trade_date - _ONE_DAY, _ROLL, NEW_YORK)
        return Session(
            open_ns=datetime_to_ns(opened),
            close_ns=datetime_to_ns(close),
            day_ns=_midnight_utc_ns(trade_date),
        )

    def session_at_or_after(self, ts_ns: int) -> Session | None:
        """The session that contains ``ts_ns``, else the first one opening after it."""
        local = ns_to_datetime(ts_ns).astimezone(NEW_YORK)
        trade_date = local.date() + _ONE_DAY if local.time() >= _ROLL else local.date()
        if trade_date.weekday() >= 5:  # Friday after the close, Saturday, Sunday before the open
            trade_date += timedelta(days=7 - trade_date.weekday())
        return self.session_for(trade_date)

    def session_before(self, ts_ns: int) -> Session | None:
        """The last session that closed at or before ``ts_ns``."""
        current = self.session_at_or_after(ts_ns)
        assert current is not None  # the forex week never ends
        trade_date = ns_to_datetime(current.day_ns).date() - _ONE_DAY
        while trade_date.weekday() >= 5:
            trade_date -= _ONE_DAY
        return self.session_for(trade_date)


class AlwaysOpen:
    """Open every minute of every day; one session per UTC day (its daily bar), back to back."""

    name = ALWAYS_OPEN
    timezone = "UTC"

    def session_at_or_after(self, ts_ns: int) -> Session | None:
        day = ts_ns // DAY_NS * DAY_NS
        return Session(open_ns=day, close_ns=day + DAY_NS, day_ns=day)

    def session_before(self, ts_ns: int) -> Session | None:
        day = ts_ns // DAY_NS * DAY_NS - DAY_NS
        return Session(open_ns=day, close_ns=day + DAY_NS, day_ns=day)
