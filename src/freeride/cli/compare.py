"""``freeride compare``: several strategies backtested on the same bars and ranked together.

Each strategy is one job for the same runners as a sweep (this machine's process pool, or a Dask
cluster with ``--cluster``), so comparing ten strategies costs about one backtest per core.
Parameters are shared where they fit: ``--param size=50`` goes to every strategy that has a
``size``; ``--param sma_cross.fast=10`` to ``sma_cross`` alone. A parameter no listed strategy has
is refused before any bar runs, like everything else the user typed.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

import msgspec
import typer
from rich.table import Table

from freeride.backtest.cluster import check_address
from freeride.backtest.spec import BacktestSpec
from freeride.backtest.sweep import HEADLINE, rank
from freeride.cli import _backtest_common as c
from freeride.cli.optimise import Cluster, Engine, Metric, Workers, run_jobs
from freeride.core.errors import FreerideError, InvalidInput
from freeride.strategies.registry import STRATEGIES

Strategies = Annotated[
    list[str], typer.Argument(help=f"Two or more built-in strategies: {', '.join(sorted(STRATEGIES))}.")
]
ScopedParams = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        help="NAME=VALUE for every strategy that has NAME, or STRATEGY.NAME=VALUE for one; repeatable.",
    ),
]


def register(app: typer.Typer) -> None:
    app.command("compare")(c.with_costs(compare))


def params_by_strategy(strategies: list[str], items: list[str] | None) -> dict[str, dict[str, str]]:
    """Each strategy's parameters from the shared and the scoped ``--param`` options."""
    for kind in strategies:
        if kind not in STRATEGIES:
            raise InvalidInput(f"unknown strategy {kind!r}; built-in: {', '.join(sorted(STRATEGIES))}")
    if len(set(strategies)) != len(strategies):
        raise InvalidInput("each strategy may be named once")
    fields = {k: {f.name for f in msgspec.structs.fields(STRATEGIES[k][1])} for k in strategies}
    out: dict[str, dict[str, str]] = {k: {} for k in strategies}
    for name, value in c.split_params(items).items():
        scope, dot, field = name.rpartition(".")
        if dot:
            if scope not in out:
                raise InvalidInput(f"--param {name}: {scope!r} is not one of the strategies compared")
            out[scope][field] = value  # an unknown field is refused by the strategy's own check
            continue
        takers = [k for k in strategies if name in fields[k]]
        if not takers:
            raise InvalidInput(f"--param {name}: none of {', '.join(strategies)} has a parameter {name!r}")
        for kind in takers:
            out[kind].setdefault(name, value)
    return out


def compare(
    strategies: Strategies,
    data: c.Data,
    symbol: c.Symbols,
    param: ScopedParams = None,
    interval: c.Interval = None,
    cash: c.Cash = Decimal(100_000),
    metric: Metric = "sharpe",
    engine: Engine = "vector",
    workers: Workers = None,
    cluster: Cluster = None,
    as_json: c.AsJson = False,
    costs: c.Costs = c.Costs(),  # noqa: B008  (the cost and fill options: ``c.with_costs``)
) -> None:
    """Backtest several strategies on the same bars and rank them (--cluster runs them on Dask)."""
    try:
        if len(strategies) < 2:
            raise InvalidInput("give two or more strategies to compare (one alone: freeride backtest)")
        if engine not in ("event", "vector"):
            raise InvalidInput(f"--engine must be event or vector, got {engine!r}")
        files, currency = c.data_files(data, symbol, interval)
        params = params_by_strategy(strategies, param)
        specs: list[BacktestSpec] = []
        for kind in strategies:
            spec = c.make_spec(kind, params[kind], cash, costs, currency)
            spec.typed_params()
            specs.append(spec)
        rank([], metric)
        if cluster is not None:
            check_address(cluster)
        bars = c.checked_bars(files)
        rows = run_jobs(bars, specs, engine, workers, cluster, label="compare", quiet=as_json)
        ranked = rank(rows, metric)
    except FreerideError as exc:
        raise c.fail(str(exc)) from None
    results = [
        {"rank": i + 1, "strategy": r.strategy, "params": r.params, **r.metrics} for i, r in enumerate(ranked)
    ]
    if as_json:
        out: dict[str, Any] = {"metric": metric, "engine": engine, "results": results}
        print(json.dumps(out, default=str, allow_nan=False))
        return
    table = Table(title=f"{len(specs)} strategies, ranked by {metric}", title_justify="left")
    shown = [metric, *[m for m in HEADLINE if m != metric][:6]]
    for column in ("#", "strategy", "parameters", *shown):
        table.add_column(column, justify="left" if column in ("strategy", "parameters") else "right")
    for row in results:
        text = ", ".join(f"{k}={v}" for k, v in row["params"].items())
        table.add_row(str(row["rank"]), row["strategy"], text, *(c.number_text(row.get(m)) for m in shown))
    c.console.print(table)
