"""Market hours on known dates: NYSE holidays and half days, the forex week, the cached window."""

from __future__ import annotations

import pytest

from freeride.core.errors import InvalidInput
from freeride.core.instruments import forex, stock
from freeride.core.sessions import FAR_FUTURE_NS
from freeride.gateway.market_hours import CalendarChoice, CalendarMarketHours
from freeride.testing.calendars import market_hours, ny, utc, xnys

AAPL = stock("AAPL")
EURUSD = forex("EUR/USD")


def test_observed_independence_day_is_closed() -> None:
    hours = market_hours()
    # 2026-07-04 is a Saturday: the NYSE closes on Friday 2026-07-03
    assert hours.is_open(AAPL, ny("2026-07-02 15:59"))
    assert not hours.is_open(AAPL, ny("2026-07-02 16:00"))
    assert not hours.is_open(AAPL, ny("2026-07-03 11:00"))
    assert hours.next_open(AAPL, ny("2026-07-03 11:00")) == ny("2026-07-06 09:30") == utc("2026-07-06 13:30")
    closed = hours.window(AAPL, ny("2026-07-03 11:00"))
    assert (closed.start_ns, closed.end_ns) == (ny("2026-07-02 16:00"), ny("2026-07-06 09:30"))
    # forex trades through the US holiday
    assert hours.is_open(EURUSD, ny("2026-07-03 11:00"))


def test_thanksgiving_and_the_half_day_after_it() -> None:
    hours = market_hours()
    assert not hours.is_open(AAPL, ny("2026-11-26 12:00"))  # Thanksgiving
    friday = hours.session(AAPL, ny("2026-11-27 10:00"))
    assert friday is not None
    assert friday.early_close
    assert friday.close_ns == ny("2026-11-27 13:00") == utc("2026-11-27 18:00")
    assert hours.is_open(AAPL, ny("2026-11-27 12:59"))
    assert not hours.is_open(AAPL, ny("2026-11-27 13:00"))
    assert hours.next_close(AAPL, ny("2026-11-26 12:00")) == ny("2026-11-27 13:00")
    assert hours.next_open(AAPL, ny("2026-11-27 13:00")) == ny("2026-11-30 09:30")


def test_regular_session_in_winter_and_summer_utc() -> None:
    hours = market_hours()
    summer = hours.session(AAPL, utc("2026-06-10 15:00"))
    winter = hours.session(AAPL, utc("2026-12-10 15:00"))
    assert summer is not None
    assert winter is not None
    assert (summer.open_ns, summer.close_ns) == (utc("2026-06-10 13:30"), utc("2026-06-10 20:00"))
    assert (winter.open_ns, winter.close_ns) == (utc("2026-12-10 14:30"), utc("2026-12-10 21:00"))
    assert summer.day_ns == utc("2026-06-10 00:00")
    assert not summer.early_close


def test_extended_hours_run_from_four_to_twenty_and_to_seventeen_on_a_half_day() -> None:
    hours = market_hours(extended=True)
    assert hours.is_open(AAPL, ny("2026-06-10 04:00"))
    assert not hours.is_open(AAPL, ny("2026-06-10 03:59"))
    assert hours.next_close(AAPL, ny("2026-06-10 12:00")) == ny("2026-06-10 20:00")
    assert hours.next_close(AAPL, ny("2026-11-27 12:00")) == ny("2026-11-27 17:00")


def test_forex_friday_close_and_sunday_open() -> None:
    hours = market_hours()
    assert hours.is_open(EURUSD, ny("2026-06-12 16:59"))
    assert not hours.is_open(EURUSD, ny("2026-06-12 17:00"))
    assert not hours.is_open(EURUSD, ny("2026-06-13 12:00"))
    assert not hours.is_open(EURUSD, ny("2026-06-14 16:59"))
    assert hours.is_open(EURUSD, ny("2026-06-14 17:00"))
    assert hours.next_open(EURUSD, ny("2026-06-13 12:00")) == ny("2026-06-14 17:00")


def test_forex_days_join_into_one_open_week() -> None:
    hours = market_hours()
    monday = hours.window(EURUSD, ny("2026-06-08 10:00"))
    assert monday.is_open
    assert monday.end_ns == ny("2026-06-08 17:00")  # the daily roll ends the window (daily bars)...
    assert monday.span_open_ns == ny("2026-06-07 17:00")
    assert monday.span_close_ns == ny("2026-06-12 17:00")  # ...but not the open stretch
    assert hours.next_close(EURUSD, ny("2026-06-08 10:00")) == ny("2026-06-12 17:00")
    assert hours.next_open(EURUSD, ny("2026-06-08 10:00")) == ny("2026-06-14 17:00")
    assert hours.is_open(EURUSD, ny("2026-06-08 17:00"))  # the roll is not a close


def test_next_session_is_strictly_after() -> None:
    hours = market_hours()
    nxt = hours.next_session(AAPL, ny("2026-11-25 10:00"))
    assert nxt is not None
    assert nxt.open_ns == ny("2026-11-27 09:30")
    assert hours.next_session(AAPL, ny("2026-11-25 08:00")) == hours.session(AAPL, ny("2026-11-25 10:00"))


def test_the_window_is_cached_until_the_tick_leaves_it() -> None:
    hours = market_hours()
    first = ny("2026-06-10 09:30")
    for minute in range(390):
        assert hours.is_open(AAPL, first + minute * 60 * 10**9)
    assert hours.refreshes == 1
    assert not hours.is_open(AAPL, ny("2026-06-10 16:00"))
    assert hours.refreshes == 2


def test_always_open_never_closes() -> None:
    hours = market_hours(always_open=True)
    saturday = ny("2026-06-13 12:00")
    assert hours.is_open(AAPL, saturday)
    assert hours.is_open(EURUSD, saturday)
    assert hours.next_close(AAPL, saturday) is None
    assert hours.next_open(AAPL, saturday) is None
    assert hours.window(AAPL, saturday).span_close_ns == FAR_FUTURE_NS


def test_per_symbol_calendar_and_unknown_calendar() -> None:
    choice = CalendarChoice(by_symbol={"SAP": "XETR", "AAPL": "FOREX"})
    hours = CalendarMarketHours({"XNYS": xnys()}, choice)
    with pytest.raises(InvalidInput, match="XETR"):
        hours.is_open(stock("SAP"), ny("2026-06-10 10:00"))
    assert choice.name_for(AAPL) == "FOREX"
    assert choice.names([AAPL, stock("MSFT"), EURUSD]) == ["FOREX", "XNYS"]


def test_beyond_the_loaded_years_the_market_reads_closed_with_no_reopening() -> None:
    hours = market_hours()
    late = utc("2028-06-01 15:00")
    assert not hours.is_open(AAPL, late)
    assert hours.next_open(AAPL, late) is None
