"""What a running service watches and what it trades: watchlists apart from trading sleeves.

A **watchlist** is symbols streamed for alerts, research and the dashboard; nothing trades them. A
**sleeve** is one strategy trading one instrument with its parameters, its size per trade and the
account it trades from. Keeping them apart is what lets a trader move the cron price alerts of
fifty symbols over without inventing a strategy, a data file and a quantity for each of them.

The older ``run.feeds`` list (symbol, interval, data file, quantity, with ``run.strategy`` and its
``fast``/``slow`` windows for all of them) keeps working: when no sleeves are set, each feed is a
sleeve of ``run.strategy``. Set ``sleeves`` to give each instrument its own strategy and account.
"""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from freeride.config.problems import problem
from freeride.config.run import DATA_PACKAGE, FrozenConfig, RunSettings, shipped_files
from freeride.core.errors import InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.core.market import INTERVAL_SECONDS

ParamValue = str | int | float | bool


def canonical_symbol(value: str) -> str:
    """The one spelling of a symbol (``eur/usd`` → ``EUR/USD``), or a setting problem naming it."""
    try:
        return parse_instrument(value).symbol
    except InvalidInput as exc:
        raise problem(str(exc), "use a ticker like AAPL or a pair like EUR/USD") from None


class SleeveSettings(FrozenConfig):
    """One strategy trading one instrument: ``symbol``, ``strategy`` with ``params``, ``quantity``
    per trade, bar ``interval`` and the ``account`` it trades from.

    ``name`` identifies the sleeve (its strategy id, in orders and signals); it defaults to
    ``<strategy>:<symbol>``. ``account`` names the paper account (sleeves naming the same account
    share its cash); it defaults to the symbol, one account per instrument. ``path`` or
    ``shipped`` (a file packaged with freeride) are bars ``freeride run`` replays; live trading
    needs neither.
    """

    symbol: str
    strategy: str = "sma_cross"
    params: dict[str, ParamValue] = Field(default_factory=dict)
    quantity: Decimal
    interval: str = "1d"
    name: str = ""
    account: str = ""
    path: Path | None = None
    shipped: str | None = None

    @field_validator("symbol")
    @classmethod
    def _symbol(cls, value: str) -> str:
        return canonical_symbol(value)

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str) -> str:
        text = value.strip().lower()
        if text not in INTERVAL_SECONDS:
            raise problem(f"interval {value!r} is unknown", f"use one of {', '.join(INTERVAL_SECONDS)}")
        return text

    @field_validator("quantity")
    @classmethod
    def _quantity(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or value <= 0:
            raise problem(f"quantity must be > 0, got {value}", "set the units bought per trade, e.g. 50")
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @field_validator("shipped")
    @classmethod
    def _shipped(cls, value: str | None) -> str | None:
        if value is not None and value not in shipped_files():
            raise problem(
                f"no shipped data file named {value!r}",
                f"use one of {', '.join(shipped_files())} or set path to your own CSV",
            )
        return value

    @model_validator(mode="after")
    def _checked(self) -> SleeveSettings:
        if self.path is not None and self.shipped is not None:
            raise problem("set at most one of path and shipped", "keep the one with your bars", at="path")
        for name in ("quantity", "size"):
            if name in self.params:
                raise problem(
                    f"{name} goes in the sleeve (as quantity), not in params",
                    "move it up a level",
                    at="params",
                )
        if not self.name:
            object.__setattr__(self, "name", f"{self.strategy}:{self.symbol}")
        if not self.account:
            object.__setattr__(self, "account", self.symbol)
        return self

    def strategy_params(self) -> dict[str, Any]:
        """The strategy's parameters with this sleeve's size per trade, as ``size``: the name every
        strategy takes (``quantity`` is only the SMA/EMA crossovers' older name for it)."""
        return {**self.params, "size": self.quantity}

    def data_file(self) -> Path | None:
        """The bars to replay: ``path`` as given, the shipped file, or ``None`` (live only)."""
        if self.path is not None:
            return self.path
        if self.shipped is not None:
            return Path(str(resources.files(DATA_PACKAGE).joinpath(self.shipped)))
        return None


def check_watchlists(value: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each list's symbols in their one spelling (``eur/usd`` → ``EUR/USD``), without repeats."""
    out: dict[str, list[str]] = {}
    for name, symbols in value.items():
        if not name.strip():
            raise problem("a watchlist has an empty name", 'name it, e.g. {"default": ["AAPL"]}')
        out[name.strip()] = list(dict.fromkeys(canonical_symbol(s) for s in symbols))
    return out


def check_sleeves(value: list[SleeveSettings]) -> list[SleeveSettings]:
    """Sleeve names are strategy ids: two sleeves with one name would share signals and orders."""
    names = [s.name for s in value]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise problem(
            f"sleeve name {', '.join(repr(n) for n in repeated)} is used more than once",
            "give each sleeve its own name (e.g. sma_cross:GOOG:1h)",
        )
    return value


def sleeves_from_run(run: RunSettings) -> list[SleeveSettings]:
    """The older form: every ``run.feeds`` entry trades ``run.strategy`` with ``fast``/``slow``."""
    return [
        SleeveSettings(
            symbol=feed.symbol,
            strategy=run.strategy,
            params={"fast": run.fast, "slow": run.slow},
            quantity=feed.quantity,
            interval=feed.interval,
            path=feed.path,
            shipped=feed.shipped,
        )
        for feed in run.feeds
    ]
