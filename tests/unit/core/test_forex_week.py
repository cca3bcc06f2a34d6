"""The forex week in New York time: Friday close, Sunday open, and the weeks clocks change."""

from __future__ import annotations

from datetime import date

import pytest

from freeride.core.forex_week import AlwaysOpen, ForexWeek
from freeride.core.sessions import DAY_NS
from freeride.testing.calendars import ny, utc

FX = ForexWeek()


def test_a_trading_day_runs_from_17_00_new_york_the_day_before() -> None:
    monday = FX.session_for(date(2026, 6, 8))
    assert monday.open_ns == ny("2026-06-07 17:00") == utc("2026-06-07 21:00")
    assert monday.close_ns == ny("2026-06-08 17:00")
    assert monday.day_ns == utc("2026-06-08 00:00")
    with pytest.raises(ValueError, match="weekend"):
        FX.session_for(date(2026, 6, 6))


@pytest.mark.parametrize(
    ("at", "day"),
    [
        ("2026-06-07 17:00", "2026-06-08"),  # Sunday open: Monday's session
        ("2026-06-08 16:59", "2026-06-08"),
        ("2026-06-08 17:00", "2026-06-09"),  # the roll
        ("2026-06-12 16:59", "2026-06-12"),  # Friday, just before the close
        ("2026-06-12 17:00", "2026-06-15"),  # Friday close: next is Monday's, opening Sunday
        ("2026-06-13 12:00", "2026-06-15"),
        ("2026-06-14 16:59", "2026-06-15"),
    ],
)
def test_session_at_or_after(at: str, day: str) -> None:
    found = FX.session_at_or_after(ny(at))
    assert found is not None
    assert found.day_ns == utc(f"{day} 00:00")


def test_session_before_skips_the_weekend() -> None:
    before = FX.session_before(ny("2026-06-14 12:00"))  # Sunday
    assert before is not None
    assert before.close_ns == ny("2026-06-12 17:00")
    monday = FX.session_before(ny("2026-06-08 10:00"))
    assert monday is not None
    assert monday.day_ns == utc("2026-06-05 00:00")  # Friday's, closing when Monday's opened


def test_us_spring_forward_moves_the_open_an_hour_earlier_in_utc() -> None:
    # US clocks change Sunday 2026-03-08; the week before closes at 22:00 UTC, this one opens at 21:00
    friday = FX.session_for(date(2026, 3, 6))
    assert friday.close_ns == utc("2026-03-06 22:00")
    monday = FX.session_at_or_after(utc("2026-03-07 12:00"))
    assert monday is not None
    assert monday.open_ns == utc("2026-03-08 21:00")


def test_the_eu_gap_weeks_follow_new_york_not_london() -> None:
    # 2026-03-09..27: New York on summer time, London not yet: the week still ends 21:00 UTC
    assert FX.session_for(date(2026, 3, 13)).close_ns == utc("2026-03-13 21:00")
    # 2026-10-26..30: London back on winter time, New York not yet: still 21:00 UTC
    assert FX.session_for(date(2026, 10, 30)).close_ns == utc("2026-10-30 21:00")
    # New York falls back on Sunday 2026-11-01: that evening the week opens at 22:00 UTC
    nxt = FX.session_at_or_after(utc("2026-10-31 12:00"))
    assert nxt is not None
    assert nxt.open_ns == utc("2026-11-01 22:00")
    # the clocks change at 02:00 on a Sunday, while the market is shut: every session is 24 h long
    assert nxt.close_ns - nxt.open_ns == DAY_NS
    spring = FX.session_for(date(2026, 3, 9))
    assert spring.close_ns - spring.open_ns == DAY_NS


def test_always_open_has_a_session_every_utc_day() -> None:
    cal = AlwaysOpen()
    saturday = utc("2026-06-13 03:00")
    found = cal.session_at_or_after(saturday)
    assert found is not None
    assert found.open_ns == utc("2026-06-13 00:00") <= saturday < found.close_ns
    before = cal.session_before(saturday)
    assert before is not None
    assert before.close_ns == found.open_ns
