"""Market-hours settings: calendar names and per-symbol choices checked, symbols normalised."""

from __future__ import annotations

import pytest

from freeride.config.problems import InvalidSettings
from freeride.config.settings import load_settings


def test_defaults_follow_the_nyse_and_the_forex_week() -> None:
    markets = load_settings(_env_file=None).markets
    assert (markets.stock_calendar, markets.calendars, markets.extended_hours, markets.always_open) == (
        "XNYS",
        {},
        False,
        False,
    )


def test_per_symbol_calendars_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_MARKETS__CALENDARS", '{"sap": "xetr", "eur/usd": "forex"}')
    monkeypatch.setenv("FREERIDE_MARKETS__ALWAYS_OPEN", "true")
    markets = load_settings(_env_file=None).markets
    assert markets.calendars == {"SAP": "XETR", "EUR/USD": "FOREX"}
    assert markets.always_open


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"stock_calendar": "new york"},
            "markets.stock_calendar / FREERIDE_MARKETS__STOCK_CALENDAR: 'new york'",
        ),
        (
            {"calendars": {"EURUSD!": "FOREX"}},
            "markets.calendars / FREERIDE_MARKETS__CALENDARS: symbol 'EURUSD!'",
        ),
    ],
)
def test_bad_names_are_refused_with_the_fix(overrides: dict[str, object], expected: str) -> None:
    with pytest.raises(InvalidSettings) as caught:
        load_settings(_env_file=None, markets=overrides)
    (line,) = caught.value.lines
    assert line.startswith(expected)
    assert " — " in line
