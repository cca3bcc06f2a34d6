"""Market hours: which calendar each instrument follows, extended hours, and the always-open demo."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from freeride.config.problems import problem
from freeride.config.run import FrozenConfig
from freeride.core.errors import InvalidInput
from freeride.core.instruments import parse_instrument

_NAME = re.compile(r"^[A-Z0-9][A-Z0-9_/]{1,15}$")
_FIX = "name an exchange calendar by its ISO MIC (XNYS, XNAS, XLON, XETR, XTKS), or FOREX"


def _calendar_name(value: str) -> str:
    text = value.strip().upper()
    if not _NAME.match(text):
        raise problem(f"{value!r} is not a calendar name", _FIX)
    return text


class MarketSettings(FrozenConfig):
    """Stocks follow ``stock_calendar`` (the NYSE's by default) unless ``calendars`` names another
    for their symbol; forex pairs follow the forex week (Sunday 17:00 to Friday 17:00 New York).
    Calendar names are checked against the calendar library when a live run starts."""

    stock_calendar: str = "XNYS"
    calendars: dict[str, str] = Field(default_factory=dict)
    """Per symbol: ``{"SAP": "XETR", "7203": "XTKS"}``; ``FOREX`` puts a symbol on the forex week."""
    extended_hours: bool = False
    """US stocks trade 04:00–20:00 New York (pre- and after-market) instead of 09:30–16:00."""
    always_open: bool = False
    """Every market open at every hour (demos): the simulator streams and bars are built at weekends."""

    @field_validator("stock_calendar")
    @classmethod
    def _stock(cls, value: str) -> str:
        return _calendar_name(value)

    @field_validator("calendars")
    @classmethod
    def _per_symbol(cls, value: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for symbol, name in value.items():
            try:
                key = parse_instrument(symbol).symbol
            except InvalidInput as exc:
                raise problem(str(exc), "use a ticker like SAP or a pair like EUR/USD") from None
            out[key] = _calendar_name(name)
        return out
