"""What ``backtest``, ``sweep`` and ``walkforward`` share: their options, and turning them into a
validated spec and loaded bars before any work starts."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from freeride.app.backtest import DataFile, load_bars
from freeride.backtest.grid import plain
from freeride.backtest.spec import BacktestSpec
from freeride.config.run import resolve_data_file, shipped_files
from freeride.config.settings import load_settings
from freeride.core.errors import InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.exchange.costs import (
    Commission,
    PercentCommission,
    PerLotCommission,
    PerUnitCommission,
    PriceImpact,
)
from freeride.exchange.engine import FillTiming
from freeride.strategies.directional import BarArrays
from freeride.strategies.registry import STRATEGIES

console = Console(width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 120)

Strategy = Annotated[str, typer.Argument(help=f"Built-in strategy: {', '.join(sorted(STRATEGIES))}.")]
Data = Annotated[
    list[Path], typer.Option("--data", help="CSV or Parquet file of bars; repeat for more symbols.")
]
Symbols = Annotated[
    list[str], typer.Option("--symbol", help="Symbol of each --data file, in the same order.")
]
Interval = Annotated[
    str | None, typer.Option(help="Bar interval (1m … 1d); inferred from the data when left out.")
]
Params = Annotated[
    list[str] | None, typer.Option("--param", help="Strategy parameter NAME=VALUE; repeatable.")
]
Cash = Annotated[Decimal, typer.Option(help="Starting cash, in the quote currency.", parser=Decimal)]
Commission_ = Annotated[
    Decimal | None,
    typer.Option(
        "--commission", help="Commission as a fraction of notional (0.001 = 0.1 %).", parser=Decimal
    ),
]
PerUnit = Annotated[Decimal | None, typer.Option(help="Commission per share/unit instead.", parser=Decimal)]
PerLot = Annotated[
    Decimal | None, typer.Option(help="Commission per lot instead (see --lot-size).", parser=Decimal)
]
LotSize = Annotated[Decimal, typer.Option(help="Units in a lot for --per-lot.", parser=Decimal)]
MinCommission = Annotated[Decimal, typer.Option(help="Minimum commission per fill.", parser=Decimal)]
Spread = Annotated[
    Decimal, typer.Option(help="Bid-ask spread in price units (a buy pays half).", parser=Decimal)
]
SpreadPct = Annotated[Decimal, typer.Option(help="Bid-ask spread as a fraction of price.", parser=Decimal)]
Slippage = Annotated[Decimal, typer.Option(help="Slippage per market fill, in price units.", parser=Decimal)]
SlippagePct = Annotated[
    Decimal, typer.Option(help="Slippage per market fill, as a fraction of price.", parser=Decimal)
]
Fill = Annotated[
    FillTiming, typer.Option("--fill", help="Fill market orders at the signal bar's close or the next open.")
]
Db = Annotated[str | None, typer.Option("--db", help="Database URL (overrides FREERIDE_DATABASE_URL).")]
NoStore = Annotated[bool, typer.Option("--no-store", help="Do not record the run in the database.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")]
Report = Annotated[Path | None, typer.Option("--report", help="Directory for the HTML, PNG and JSON report.")]


@dataclass(frozen=True, slots=True)
class Costs:
    """The one set of cost and fill options of ``backtest``, ``sweep`` and ``walkforward``."""

    commission: Decimal | None = None
    per_unit: Decimal | None = None
    per_lot: Decimal | None = None
    lot_size: Decimal = Decimal(100_000)
    min_commission: Decimal = Decimal(0)
    spread: Decimal = Decimal(0)
    spread_pct: Decimal = Decimal(0)
    slippage: Decimal = Decimal(0)
    slippage_pct: Decimal = Decimal(0)
    fill: FillTiming = FillTiming.NEXT_OPEN


# The options behind each ``Costs`` field, declared once (see ``with_costs``).
_COST_OPTIONS = {
    "commission": Commission_,
    "per_unit": PerUnit,
    "per_lot": PerLot,
    "lot_size": LotSize,
    "min_commission": MinCommission,
    "spread": Spread,
    "spread_pct": SpreadPct,
    "slippage": Slippage,
    "slippage_pct": SlippagePct,
    "fill": Fill,
}


def with_costs(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` the one set of cost and fill options; it receives them as ``costs: Costs``.

    Typer reads a command's options from its signature, so the wrapper's signature is the
    command's own, with ``costs`` replaced by one keyword option per ``Costs`` field.
    """
    own = inspect.signature(command, eval_str=True)
    defaults = Costs()
    options = [
        inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, default=getattr(defaults, name), annotation=annotation
        )
        for name, annotation in _COST_OPTIONS.items()
    ]
    kept = [p for p in own.parameters.values() if p.name != "costs"]
    kept = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in kept]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        costs = Costs(**{name: kwargs.pop(name) for name in _COST_OPTIONS})
        command(costs=costs, **kwargs)

    wrapper.__signature__ = own.replace(parameters=[*kept, *options])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in [*kept, *options]}
    return wrapper


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def split_params(items: Sequence[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--param {item!r} must look like NAME=VALUE (e.g. --param fast=10)")
        if name.strip() in out:
            raise InvalidInput(f"--param {name.strip()} is given twice")
        out[name.strip()] = value.strip()
    return out


def commission_model(c: Costs) -> Commission:
    given = [x for x in (c.commission, c.per_unit, c.per_lot) if x is not None]
    if len(given) > 1:
        raise InvalidInput("give one of --commission, --per-unit and --per-lot")
    try:
        if c.per_unit is not None:
            return PerUnitCommission(c.per_unit, c.min_commission)
        if c.per_lot is not None:
            return PerLotCommission(c.per_lot, c.lot_size)
        return PercentCommission(c.commission if c.commission is not None else Decimal(0), c.min_commission)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def make_spec(
    strategy: str, params: dict[str, str], cash: Decimal, costs: Costs, currency: str
) -> BacktestSpec:
    try:
        impact = PriceImpact(
            spread=costs.spread,
            spread_rate=costs.spread_pct,
            slippage=costs.slippage,
            slippage_rate=costs.slippage_pct,
        )
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    spec = BacktestSpec(
        strategy=strategy,
        params=dict(params),
        cash=cash,
        currency=currency,
        fill_timing=costs.fill,
        commission=commission_model(costs),
        impact=impact,
    )
    typed = spec.typed_params()  # bad parameters fail here, before any data is read
    return spec.with_params(**{name: plain(getattr(typed, name)) for name in params})


def data_files(
    data: Sequence[Path], symbols: Sequence[str], interval: str | None
) -> tuple[list[DataFile], str]:
    """The files paired with their symbols, and the portfolio's currency (one for all of them)."""
    if not data:
        raise InvalidInput("give at least one --data FILE")
    if len(symbols) != len(data):
        raise InvalidInput(f"give one --symbol per --data file ({len(data)} files, {len(symbols)} symbols)")
    instruments = [parse_instrument(s) for s in symbols]
    currencies = {i.quote_currency for i in instruments}
    if len(currencies) > 1:
        raise InvalidInput(
            f"instruments of one portfolio must share a quote currency, got {', '.join(sorted(currencies))}"
        )
    resolved = [resolve_data_file(path) for path in data]
    for path in resolved:
        if not path.is_file():
            shipped = ", ".join(shipped_files())
            raise InvalidInput(f"{path}: file not found (shipped with freeride, usable by name: {shipped})")
    files = [DataFile(path, i.symbol, interval) for path, i in zip(resolved, instruments, strict=True)]
    return files, currencies.pop()


def database_url(db: str | None) -> str:
    settings = load_settings(**({"database_url": db} if db else {}))
    return settings.database_url


def checked_bars(files: list[DataFile]) -> list[BarArrays]:
    return load_bars(files)


def number_text(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
