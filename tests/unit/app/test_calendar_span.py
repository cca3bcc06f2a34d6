"""The calendar span sits on month boundaries, so one cached load serves a whole month of starts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from freeride.app.markets import DAYS_AHEAD, DAYS_BACK, calendar_span


@pytest.mark.parametrize(
    "today", [date(2026, 12, 5), date(2026, 12, 31), date(2027, 1, 1), date(2028, 2, 29)]
)
def test_the_span_covers_the_days_asked_for_on_month_boundaries(today: date) -> None:
    start, end = calendar_span(today)
    assert start.day == end.day == 1
    assert start <= today - timedelta(days=DAYS_BACK)
    assert end > today + timedelta(days=DAYS_AHEAD)


def test_every_day_of_a_month_shares_one_span() -> None:
    assert {calendar_span(date(2026, 12, d)) for d in range(1, 32)} == {(date(2025, 11, 1), date(2029, 1, 1))}
