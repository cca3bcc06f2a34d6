"""Risk limits checked before every order, and when trading stops by itself.

Every limit is off until set. The semantics at each boundary are exact and tested: an order that
lands exactly on a maximum passes and the smallest step beyond it is refused; the daily loss halts
the moment the loss reaches its limit; trading hours include their start and exclude their end.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from freeride.config.alerts import split_list
from freeride.config.problems import problem
from freeride.config.run import FrozenConfig

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _positive(value: Decimal | None, example: str) -> Decimal | None:
    if value is not None and (not value.is_finite() or value <= 0):
        raise problem(
            f"must be > 0, got {value}", f"set a positive amount, e.g. {example}, or leave it unset"
        )
    return value


class RiskSettings(FrozenConfig):
    allowed_instruments: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_position: Decimal | None = None
    max_position_by_symbol: dict[str, Decimal] = Field(default_factory=dict)
    max_gross_exposure: Decimal | None = None
    max_order_notional: Decimal | None = None
    max_orders_per_minute: int | None = None
    max_daily_loss: Decimal | None = None
    trading_hours: str | None = None
    trading_days: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(_WEEKDAYS[:5]))
    timezone: str = "America/New_York"

    @field_validator("allowed_instruments", "trading_days", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return split_list(value)

    @field_validator("allowed_instruments")
    @classmethod
    def _symbols(cls, value: list[str]) -> list[str]:
        return [s.strip().upper() for s in value if s.strip()]

    @field_validator("max_position", "max_gross_exposure", "max_order_notional", "max_daily_loss")
    @classmethod
    def _amounts(cls, value: Decimal | None) -> Decimal | None:
        return _positive(value, "1000")

    @field_validator("max_position_by_symbol")
    @classmethod
    def _per_symbol(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for amount in value.values():
            _positive(amount, '{"AAPL": 100}')
        return {k.strip().upper(): v for k, v in value.items()}

    @field_validator("max_orders_per_minute")
    @classmethod
    def _rate(cls, value: int | None) -> int | None:
        if value is not None and value <= 0:
            raise problem(f"must be > 0, got {value}", "set orders allowed per rolling minute, e.g. 30")
        return value

    @field_validator("trading_hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parse_hours(value)
        return value.strip()

    @field_validator("trading_days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        days = [d.strip().lower()[:3] for d in value]
        unknown = [d for d in days if d not in _WEEKDAYS]
        if unknown or not days:
            raise problem(f"unknown or no weekdays {unknown}", "use e.g. mon,tue,wed,thu,fri")
        return days

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise problem(f"unknown time zone {value!r}", "use an IANA name, e.g. America/New_York") from None
        return value

    @model_validator(mode="after")
    def _symbol_limits_are_allowed(self) -> RiskSettings:
        if self.allowed_instruments:
            stray = sorted(set(self.max_position_by_symbol) - set(self.allowed_instruments))
            if stray:
                raise problem(
                    f"limits for {', '.join(stray)}, which are not in allowed_instruments",
                    "add them to allowed_instruments or remove their limits",
                    at="max_position_by_symbol",
                )
        return self

    def window(self) -> tuple[time, time] | None:
        return None if self.trading_hours is None else parse_hours(self.trading_hours)

    def weekday_numbers(self) -> frozenset[int]:
        return frozenset(_WEEKDAYS.index(d) for d in self.trading_days)


def parse_hours(text: str) -> tuple[time, time]:
    """``09:30-16:00`` → (09:30, 16:00); the start is inside the window, the end is not."""
    try:
        start_s, end_s = (part.strip() for part in text.split("-"))
        start, end = time.fromisoformat(start_s), time.fromisoformat(end_s)
    except ValueError:
        raise problem(f"{text!r} is not HH:MM-HH:MM", "write e.g. 09:30-16:00") from None
    if start >= end:
        raise problem(f"{text!r} ends before it starts", "write e.g. 09:30-16:00 (no overnight windows)")
    return start, end


class KillSwitchSettings(FrozenConfig):
    max_consecutive_errors: int = 5
    on_dead_session: bool = True
    poll_s: float = 1.0

    @field_validator("max_consecutive_errors")
    @classmethod
    def _errors(cls, value: int) -> int:
        if value <= 0:
            raise problem(f"must be > 0, got {value}", "set broker errors in a row that kill trading, e.g. 5")
        return value

    @field_validator("poll_s")
    @classmethod
    def _poll(cls, value: float) -> float:
        if value <= 0:
            raise problem(f"must be > 0, got {value}", "set seconds between looks at the kill switch, e.g. 1")
        return value
