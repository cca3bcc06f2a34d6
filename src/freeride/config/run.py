"""What ``freeride run`` trades: the feeds, the strategy and the money it starts with."""

from __future__ import annotations

import math
from decimal import Decimal
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from freeride.config.problems import problem
from freeride.core.errors import InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.core.market import INTERVAL_SECONDS

DATA_PACKAGE = "freeride.data"


class FrozenConfig(BaseModel):
    """Base of every component config: immutable, strict about keys, never echoing input values."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


def shipped_files() -> list[str]:
    """Names of the data files packaged with freeride (usable as ``shipped``)."""
    root = resources.files(DATA_PACKAGE)
    return sorted(p.name for p in root.iterdir() if p.is_file() and not p.name.startswith(("_", ".")))


def shipped_path(name: str) -> Path | None:
    """The packaged data file called ``name`` (``GOOG_daily.csv``), or ``None`` when there is none."""
    if name not in shipped_files():
        return None
    return Path(str(resources.files(DATA_PACKAGE).joinpath(name)))


def resolve_data_file(path: Path) -> Path:
    """``path`` itself when it exists; a bare name of a shipped file (``--data GOOG_daily.csv``
    from any folder) is that file; anything else is returned as given, for the caller to report."""
    if path.exists() or path.parent != Path("."):
        return path
    return shipped_path(path.name) or path


class FeedSettings(FrozenConfig):
    """One instrument to replay: where its bars come from and how much one trade buys.

    Exactly one of ``path`` (a CSV anywhere) or ``shipped`` (a file packaged with freeride, so the
    default works from any directory and from an installed wheel) is set.
    """

    symbol: str
    interval: str = "1d"
    path: Path | None = None
    shipped: str | None = None
    quantity: Decimal

    @field_validator("symbol")
    @classmethod
    def _symbol(cls, value: str) -> str:
        try:
            return parse_instrument(value).symbol
        except InvalidInput as exc:
            raise problem(str(exc), "use a ticker like GOOG or a pair like EUR/USD") from None

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str) -> str:
        text = value.strip().lower()
        if text not in INTERVAL_SECONDS:
            raise problem(f"interval {value!r} is unknown", f"use one of {', '.join(INTERVAL_SECONDS)}")
        return text

    @field_validator("path")
    @classmethod
    def _path(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("shipped")
    @classmethod
    def _shipped(cls, value: str | None) -> str | None:
        if value is None:
            return None
        available = shipped_files()
        if value not in available:
            raise problem(
                f"no shipped data file named {value!r}",
                f"use one of {', '.join(available)} or set path to your own CSV",
            )
        return value

    @field_validator("quantity")
    @classmethod
    def _quantity(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or value <= 0:
            raise problem(f"quantity must be > 0, got {value}", "set the units bought per trade, e.g. 50")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> FeedSettings:
        if (self.path is None) == (self.shipped is None):
            raise problem(
                "set exactly one of path and shipped",
                'give "path": "/your/bars.csv" or "shipped": "GOOG_daily.csv"',
                at="path",
            )
        return self

    def resolve_path(self) -> Path:
        """The file to read: ``path`` as given, or the shipped file inside the installed package."""
        if self.path is not None:
            return self.path
        assert self.shipped is not None  # guaranteed by _one_source
        return Path(str(resources.files(DATA_PACKAGE).joinpath(self.shipped)))


def default_feeds() -> list[FeedSettings]:
    """The embedded demo: a stock and a forex pair, so both asset classes run out of the box."""
    return [
        FeedSettings(symbol="GOOG", interval="1d", shipped="GOOG_daily.csv", quantity=Decimal(50)),
        FeedSettings(symbol="EUR/USD", interval="1h", shipped="EURUSD_hourly.csv", quantity=Decimal(10_000)),
    ]


class RunSettings(FrozenConfig):
    """The backtest/paper run: feeds, replay speed, money and the strategy's parameters."""

    feeds: list[FeedSettings] = Field(default_factory=default_feeds)
    speed: float = 0.0
    starting_cash: Decimal = Decimal("100000")
    commission_rate: Decimal = Decimal("0.001")
    strategy: str = "sma_cross"
    fast: int = 10
    slow: int = 30

    @field_validator("speed")
    @classmethod
    def _speed(cls, value: float) -> float:
        if not math.isfinite(value) or value < 0:
            raise problem(
                f"speed must be ≥ 0, got {value}",
                "set 0 (as fast as possible) or N to replay at N× real time",
            )
        return value

    @field_validator("starting_cash")
    @classmethod
    def _cash(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or value <= 0:
            raise problem(
                f"starting cash must be > 0, got {value}", "set the cash per instrument, e.g. 100000"
            )
        return value

    @field_validator("commission_rate")
    @classmethod
    def _commission(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or not Decimal(0) <= value < Decimal("0.1"):
            raise problem(
                f"commission rate must be at least 0 and below 0.1, got {value}",
                "give a fraction of the traded value, e.g. 0.001 for 0.1%",
            )
        return value

    @field_validator("strategy")
    @classmethod
    def _strategy(cls, value: str) -> str:
        if not value.strip():
            raise problem("strategy is empty", "name a strategy, e.g. sma_cross")
        return value.strip()

    @model_validator(mode="after")
    def _windows(self) -> RunSettings:
        if self.fast < 1 or self.slow < 1:
            raise problem(
                f"fast ({self.fast}) and slow ({self.slow}) must both be ≥ 1",
                "set window lengths in bars, e.g. fast=10 and slow=30",
                at="fast",
            )
        if self.fast >= self.slow:
            raise problem(
                f"fast ({self.fast}) must be smaller than slow ({self.slow})",
                "lower fast or raise slow, e.g. fast=10 and slow=30",
                at="fast",
            )
        return self
