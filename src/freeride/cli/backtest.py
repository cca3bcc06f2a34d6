"""``freeride backtest``, ``sweep``, ``walkforward``, ``compare``, ``runs``: research from the command line.

Everything the user typed is checked (strategy, parameters, costs, files) before any bar is run;
a problem is one line on stderr naming what is wrong, and exit code 2.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from freeride.app.backtest import list_runs, run_id_for, store_result
from freeride.app.backtest_reports import inputs_config
from freeride.backtest.engine import run_event
from freeride.backtest.report import write_report
from freeride.backtest.result import BacktestResult
from freeride.backtest.spec import BacktestSpec
from freeride.backtest.vector import run_vector
from freeride.cli import _backtest_common as c
from freeride.core.clock import LiveClock, ns_to_datetime
from freeride.core.errors import FreerideError, InvalidInput
from freeride.strategies.directional import BarArrays

Engine = Annotated[
    str, typer.Option(help="event (bar by bar, the live code path) or vector (arrays, faster).")
]


def register(app: typer.Typer) -> None:
    """Add ``backtest``, ``sweep``, ``walkforward``, ``compare`` and ``runs`` to ``app``."""
    from freeride.cli.compare import register as register_compare
    from freeride.cli.optimise import register as register_optimise

    app.command("backtest")(c.with_costs(backtest))
    app.command("runs")(runs)
    register_optimise(app)
    register_compare(app)


def backtest(
    strategy: c.Strategy,
    data: c.Data,
    symbol: c.Symbols,
    param: c.Params = None,
    interval: c.Interval = None,
    cash: c.Cash = Decimal(100_000),
    engine: Engine = "event",
    report: c.Report = None,
    db: c.Db = None,
    no_store: c.NoStore = False,
    as_json: c.AsJson = False,
    costs: c.Costs = c.Costs(),  # noqa: B008  (the cost and fill options: ``c.with_costs``)
) -> None:
    """Backtest a built-in strategy on bar files and print its metrics (or one JSON object)."""
    try:
        if engine not in ("event", "vector"):
            raise InvalidInput(f"--engine must be event or vector, got {engine!r}")
        files, currency = c.data_files(data, symbol, interval)
        spec = c.make_spec(strategy, c.split_params(param), cash, costs, currency)
        url = None if no_store else c.database_url(db)
        bars = c.checked_bars(files)
        started = LiveClock().now_ns()
        result = _run(spec, bars, engine, quiet=as_json)
        summary = result.summary()
        run_id = run_id_for("backtest", spec, files, {"engine": engine})
        summary["run_id"] = run_id
        if report is not None:
            summary["report"] = str(write_report(result, report).html)
        if url is not None:
            asyncio.run(
                store_result(
                    url,
                    run_id,
                    name=f"backtest:{spec.strategy}",
                    config=inputs_config(spec, files, engine),
                    summary=summary,
                    started_at=started,
                    finished_at=LiveClock().now_ns(),
                    result=result,
                )
            )
    except FreerideError as exc:
        raise c.fail(str(exc)) from None
    if as_json:
        print(json.dumps(summary, allow_nan=False))
    else:
        _print_summary(summary, stored=url is not None)


def _run(spec: BacktestSpec, bars: list[BarArrays], engine: str, quiet: bool) -> BacktestResult:
    if engine == "vector":
        return run_vector(spec, bars)
    total = sum(len(b) for b in bars)
    columns = (TextColumn("[bold]backtest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=c.err_console, disable=quiet or total < 200_000, transient=True) as bar:
        task = bar.add_task("bars", total=total)
        return run_event(spec, bars, progress=lambda done, _total: bar.update(task, completed=done))


SHOWN = [
    ("trades", "trades"),
    ("final_equity", "final equity"),
    ("total_return_pct", "return %"),
    ("annual_return_pct", "annualised %"),
    ("sharpe", "Sharpe"),
    ("sortino", "Sortino"),
    ("max_drawdown_pct", "max drawdown %"),
    ("win_rate_pct", "win rate %"),
    ("profit_factor", "profit factor"),
    ("exposure_pct", "exposure %"),
]


def _print_summary(s: dict[str, Any], stored: bool) -> None:
    table = Table(
        title=f"{s['strategy']} on {', '.join(s['symbols'])} · {s['bars']:,} bars", title_justify="left"
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, label in SHOWN:
        table.add_row(label, c.number_text(s.get(key)))
    c.console.print(table)
    where = f"stored as {s['run_id']}" if stored else "not stored"
    c.console.print(f"{s['engine']} path, {s['wall_seconds']:.3f} s; {where}.", highlight=False)
    if "report" in s:
        c.console.print(f"report: {s['report']}", highlight=False)


def runs(
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 20,
    kind: Annotated[
        str | None, typer.Option(help="Only runs of this kind: backtest, sweep, walkforward, embedded.")
    ] = None,
    db: c.Db = None,
    as_json: c.AsJson = False,
) -> None:
    """List stored runs (backtests, sweeps, walk-forwards and embedded runs), newest first."""
    try:
        found = asyncio.run(list_runs(c.database_url(db), limit, prefix=kind))
    except FreerideError as exc:
        raise c.fail(str(exc)) from None
    if as_json:
        print(json.dumps([_run_row(r.run_id, r.name, r.started_at, r.summary) for r in found], default=str))
        return
    table = Table(title=f"{len(found)} run(s)", title_justify="left")
    for column in ("run id", "name", "started", "trades", "final equity", "return %"):
        table.add_column(
            column, justify="right" if column in ("trades", "final equity", "return %") else "left"
        )
    for r in found:
        row = _run_row(r.run_id, r.name, r.started_at, r.summary)
        table.add_row(
            row["run_id"], row["name"], row["started"], c.number_text(row["trades"]),
            c.number_text(row["final_equity"]), c.number_text(row["return_pct"]),
        )  # fmt: skip
    c.console.print(table)


def _run_row(run_id: str, name: str, started_at: int, summary: dict[str, Any] | None) -> dict[str, Any]:
    s = summary or {}
    return {
        "run_id": run_id,
        "name": name,
        "started": f"{ns_to_datetime(started_at):%Y-%m-%d %H:%M:%S}",
        "trades": s.get("trades"),
        "final_equity": s.get("final_equity"),
        "return_pct": s.get("total_return_pct"),
    }
