"""Market hours for tests: the real NYSE calendar over fixed years, loaded once per process."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache

from freeride.adapters.xcals.calendar import ExchangeCalendar
from freeride.core.clock import datetime_to_ns
from freeride.core.forex_week import NEW_YORK, AlwaysOpen, ForexWeek
from freeride.gateway.market_hours import CalendarChoice, CalendarMarketHours
from freeride.ports.calendar import SessionCalendar


@cache
def xnys(extended: bool = False) -> ExchangeCalendar:
    """The NYSE from 2025 to 2027 (loading imports pandas: about a second, once)."""
    return ExchangeCalendar.load("XNYS", date(2025, 1, 1), date(2027, 12, 31), extended=extended)


def market_hours(*, always_open: bool = False, extended: bool = False) -> CalendarMarketHours:
    """A fresh ``MarketHours`` (its own window cache) over the shared calendars."""
    calendars: dict[str, SessionCalendar] = {
        "XNYS": xnys(extended),
        "FOREX": ForexWeek(),
        "ALWAYS": AlwaysOpen(),
    }
    return CalendarMarketHours(calendars, CalendarChoice(always_open=always_open))


def ny(text: str) -> int:
    """``"2026-11-27 13:00"`` New York wall-clock time as UTC nanoseconds."""
    return datetime_to_ns(datetime.fromisoformat(text).replace(tzinfo=NEW_YORK))


def utc(text: str) -> int:
    """``"2026-11-27 18:00"`` UTC as nanoseconds."""
    return datetime_to_ns(datetime.fromisoformat(text).replace(tzinfo=UTC))
