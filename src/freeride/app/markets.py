"""Builds ``MarketHours`` from Settings: the library's exchange calendars and the forex week.

Every calendar the settings can name is loaded at start — the stock default, the forex week and
each per-symbol choice — so a symbol added while the service runs (a watchlist, an alert) always
finds its calendar. The exchange calendars cover a year back and two years ahead of the clock's
time. Loading one imports pandas (about a second): it happens in a child process, so the service
never carries pandas, and ``load_market_hours`` waits for it in a worker thread, off the event
loop.
"""

from __future__ import annotations

import asyncio
from datetime import date
from functools import lru_cache

from freeride.adapters.xcals.calendar import US_EXCHANGES, ExchangeCalendar
from freeride.config.paths import cache_dir
from freeride.config.settings import Settings
from freeride.core.clock import ns_to_datetime
from freeride.core.forex_week import AlwaysOpen, ForexWeek
from freeride.core.sessions import ALWAYS_OPEN, FOREX
from freeride.gateway.market_hours import CalendarChoice, CalendarMarketHours
from freeride.ports.calendar import SessionCalendar

DAYS_BACK = 370
DAYS_AHEAD = 2 * 365


def calendar_choice(settings: Settings, *, always_open: bool | None = None) -> CalendarChoice:
    m = settings.markets
    return CalendarChoice(
        stock=m.stock_calendar,
        by_symbol=dict(m.calendars),
        always_open=m.always_open if always_open is None else always_open,
    )


def calendar_names(choice: CalendarChoice) -> list[str]:
    """Every calendar ``choice`` can send an instrument to."""
    if choice.always_open:
        return [ALWAYS_OPEN]
    return list(dict.fromkeys([choice.stock, choice.forex, *choice.by_symbol.values()]))


def build_market_hours(
    settings: Settings, now_ns: int, *, always_open: bool | None = None
) -> CalendarMarketHours:
    """``MarketHours`` around ``now_ns``; blocking (see ``load_market_hours``).

    Raises ``InvalidInput`` naming a calendar the library does not know.
    """
    choice = calendar_choice(settings, always_open=always_open)
    today = ns_to_datetime(now_ns).date()
    calendars: dict[str, SessionCalendar] = {}
    for name in calendar_names(choice):
        if name == FOREX:
            calendars[name] = ForexWeek()
        elif name == ALWAYS_OPEN:
            calendars[name] = AlwaysOpen()
        else:
            extended = settings.markets.extended_hours and name in US_EXCHANGES
            start, end = calendar_span(today)
            calendars[name] = exchange_calendar(name, start, end, extended)
    return CalendarMarketHours(calendars, choice)


def calendar_span(today: date) -> tuple[date, date]:
    """At least ``DAYS_BACK`` before ``today`` to ``DAYS_AHEAD`` after, counted in whole months
    from the first of this month (13 back, 25 ahead), so every start in a month asks for the same
    span and the sessions kept in the cache folder serve them all."""
    month = today.year * 12 + today.month - 1
    return _first_of(month - 13), _first_of(month + 25)


def _first_of(month: int) -> date:
    return date(month // 12, month % 12 + 1, 1)


@lru_cache(maxsize=16)
def exchange_calendar(name: str, start: date, end: date, extended: bool) -> ExchangeCalendar:
    """One load per (calendar, years) in a process: the calendar is read-only once built; the
    sessions are also kept in the user's cache folder for the next process."""
    cache = cache_dir() / "calendars"
    return ExchangeCalendar.load(name, start, end, extended=extended, isolated=True, cache=cache)


async def load_market_hours(
    settings: Settings, now_ns: int, *, always_open: bool | None = None
) -> CalendarMarketHours:
    """``build_market_hours`` in a worker thread."""
    return await asyncio.to_thread(build_market_hours, settings, now_ns, always_open=always_open)
