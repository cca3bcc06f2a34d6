"""The exchange_calendars adapter: sessions as the library states them, loaded in or out of process."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from freeride.adapters.xcals.calendar import ExchangeCalendar
from freeride.core.errors import InvalidInput
from freeride.testing.calendars import utc, xnys


def test_a_child_process_load_gives_the_same_sessions() -> None:
    isolated = ExchangeCalendar.load("XNYS", date(2026, 11, 1), date(2026, 12, 31), isolated=True)
    here = ExchangeCalendar.load("XNYS", date(2026, 11, 1), date(2026, 12, 31))
    assert len(isolated) == len(here) == 42  # the weekdays of Nov and Dec 2026 less Thanksgiving, Christmas
    at = utc("2026-11-27 15:00")
    assert isolated.session_at_or_after(at) == here.session_at_or_after(at)
    assert (isolated.name, isolated.timezone) == ("XNYS", "America/New_York")


def test_an_unknown_name_is_refused_across_the_process_boundary() -> None:
    with pytest.raises(InvalidInput, match="no exchange calendar named 'XNOPE'"):
        ExchangeCalendar.load("XNOPE", date(2026, 1, 1), date(2026, 2, 1), isolated=True)
    with pytest.raises(InvalidInput, match="US exchanges only"):
        ExchangeCalendar.load("XLON", date(2026, 1, 1), date(2026, 2, 1), extended=True)


def test_a_lunch_break_is_closed() -> None:
    hkex = ExchangeCalendar.load("XHKG", date(2026, 6, 1), date(2026, 6, 30))
    morning = hkex.session_at_or_after(utc("2026-06-10 02:00"))  # 10:00 Hong Kong
    assert morning is not None
    afternoon = hkex.session_at_or_after(morning.close_ns)
    assert afternoon is not None
    assert morning.day_ns == afternoon.day_ns == utc("2026-06-10 00:00")
    assert (morning.close_ns, afternoon.open_ns) == (utc("2026-06-10 04:00"), utc("2026-06-10 05:00"))


def test_lookups_before_and_after_the_loaded_range() -> None:
    calendar = xnys()
    assert calendar.session_before(utc("2024-06-03 15:00")) is None
    first = calendar.session_at_or_after(utc("2024-06-03 15:00"))
    assert first is not None
    assert first.day_ns == utc("2025-01-02 00:00")  # 2025-01-01 is a holiday
    assert calendar.session_at_or_after(utc("2028-06-01 15:00")) is None


def test_the_sessions_are_kept_in_the_cache_folder_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ExchangeCalendar.load("XNYS", date(2026, 11, 1), date(2026, 12, 31), cache=tmp_path)
    [kept] = tmp_path.glob("XNYS-20261101-20261231-regular-xcals*.json")

    def no_library(*_: object) -> None:
        raise AssertionError("the library was asked although the sessions were kept")

    monkeypatch.setattr("freeride.adapters.xcals.calendar.session_rows", no_library)
    again = ExchangeCalendar.load("XNYS", date(2026, 11, 1), date(2026, 12, 31), cache=tmp_path)
    at = utc("2026-11-27 15:00")
    assert (len(again), again.timezone) == (len(first), first.timezone)
    assert again.session_at_or_after(at) == first.session_at_or_after(at)
    assert again.session_at_or_after(at).early_close  # type: ignore[union-attr]  # the half day after Thanksgiving

    kept.write_text("{not json")  # a damaged file is rebuilt from the library, not trusted
    monkeypatch.undo()
    rebuilt = ExchangeCalendar.load("XNYS", date(2026, 11, 1), date(2026, 12, 31), cache=tmp_path)
    assert len(rebuilt) == len(first)
    assert kept.read_text().startswith('{"timezone": "America/New_York"')
