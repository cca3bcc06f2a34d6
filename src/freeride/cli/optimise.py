"""``freeride sweep`` and ``freeride walkforward``: parameter grids across all cores, ranked."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from freeride.app.backtest import run_id_for, store_result
from freeride.backtest.cluster import DaskRunner, check_address
from freeride.backtest.grid import parse_grid
from freeride.backtest.report.walkforward import walkforward_data, write_walkforward_report
from freeride.backtest.spec import BacktestSpec
from freeride.backtest.sweep import HEADLINE, InlineRunner, ProcessRunner, Runner, SweepRow, expand, rank
from freeride.backtest.walkforward import Fold, walk_forward
from freeride.cli import _backtest_common as c
from freeride.core.clock import LiveClock, ns_to_datetime
from freeride.core.errors import FreerideError, InvalidInput
from freeride.strategies.directional import BarArrays

Metric = Annotated[str, typer.Option(help="Rank by this metric (sharpe, total_return_pct, calmar, ...).")]
Workers = Annotated[int | None, typer.Option(min=1, help="Processes to use (default: every core).")]
Engine = Annotated[str, typer.Option(help="vector (default, fast) or event (bar by bar).")]
Top = Annotated[int, typer.Option(min=1, help="Rows of the ranked table to show.")]
Cluster = Annotated[
    str | None,
    typer.Option(
        help="Run the jobs on Dask: a scheduler (tcp://host:8786) or local:N for N local worker "
        "processes (needs the dask extra). Default: this machine's process pool."
    ),
]


def register(app: typer.Typer) -> None:
    app.command("sweep")(c.with_costs(sweep))
    app.command("walkforward")(c.with_costs(walkforward))


def progress_bar(total: int, label: str, quiet: bool) -> Progress:
    columns = (
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    return Progress(*columns, console=c.err_console, disable=quiet, transient=False)


def runner_for(bars: list[BarArrays], workers: int | None, jobs: int, cluster: str | None = None) -> Runner:
    if cluster is not None:
        return DaskRunner(bars, cluster)
    if workers == 1 or jobs < 4:
        return InlineRunner(bars)
    return ProcessRunner(bars, workers)


def close_runner(runner: Runner) -> None:
    if isinstance(runner, ProcessRunner | DaskRunner):
        runner.close()


def run_jobs(
    bars: list[BarArrays],
    specs: list[BacktestSpec],
    engine: str,
    workers: int | None,
    cluster: str | None,
    *,
    label: str,
    quiet: bool,
) -> list[SweepRow]:
    """Every spec on the chosen runner, with a progress bar that moves as each job completes."""
    with progress_bar(len(specs), label, quiet) as bar:
        task = bar.add_task(label, total=len(specs))
        runner = runner_for(bars, workers, len(specs), cluster)
        try:
            return runner.run(specs, engine, lambda _row: bar.advance(task))
        finally:
            close_runner(runner)


def sweep(
    strategy: c.Strategy,
    data: c.Data,
    symbol: c.Symbols,
    param: c.Params = None,
    interval: c.Interval = None,
    cash: c.Cash = Decimal(100_000),
    metric: Metric = "sharpe",
    engine: Engine = "vector",
    workers: Workers = None,
    cluster: Cluster = None,
    top: Top = 20,
    db: c.Db = None,
    no_store: c.NoStore = False,
    as_json: c.AsJson = False,
    costs: c.Costs = c.Costs(),  # noqa: B008  (the cost and fill options: ``c.with_costs``)
) -> None:
    """Backtest every combination of a grid (--param fast=5:50:5 --param slow=20,40,80) and rank them."""
    try:
        files, currency = c.data_files(data, symbol, interval)
        base = c.make_spec(strategy, {}, cash, costs, currency)
        grid = parse_grid(c.split_params(param))
        specs, skipped = expand(base, grid)
        rank([], metric)
        if cluster is not None:
            check_address(cluster)
        url = None if no_store else c.database_url(db)
        bars = c.checked_bars(files)
        started = LiveClock().now_ns()
        rows = run_jobs(bars, specs, engine, workers, cluster, label="sweep", quiet=as_json)
        ranked = rank(rows, metric)
        out: dict[str, Any] = {
            "strategy": strategy,
            "metric": metric,
            "engine": engine,
            "combinations": len(specs),
            "skipped": len(skipped),
            "wall_seconds": round((LiveClock().now_ns() - started) / 1e9, 3),
            "results": [{"rank": i + 1, "params": r.params, **r.metrics} for i, r in enumerate(ranked)],
        }
        if url is not None:
            run_id = run_id_for("sweep", base, files, {"grid": grid, "metric": metric, "engine": engine})
            out["run_id"] = run_id
            best = dict(out["results"][0])
            summary = {**best, "combinations": len(specs), "metric": metric, "best_params": ranked[0].params}
            config = {"spec": base.to_json(), "grid": grid}
            asyncio.run(
                store_result(
                    url,
                    run_id,
                    name=f"sweep:{strategy}",
                    config=config,
                    summary={**summary, "results": out["results"]},
                    started_at=started,
                    finished_at=LiveClock().now_ns(),
                )
            )
    except FreerideError as exc:
        raise c.fail(str(exc)) from None
    if as_json:
        print(json.dumps(out, default=str, allow_nan=False))
        return
    _print_ranked(ranked[:top], metric, f"{len(specs)} combinations of {strategy}, ranked by {metric}")
    if skipped:
        c.console.print(
            f"{len(skipped)} combination(s) skipped as invalid, e.g.: {skipped[0]}", highlight=False
        )
    c.console.print(
        f"{out['wall_seconds']:.2f} s" + (f"; stored as {out['run_id']}" if "run_id" in out else "")
    )


def _print_ranked(rows: list[SweepRow], metric: str, title: str) -> None:
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    names = list(rows[0].params) if rows else []
    for name in names:
        table.add_column(name, justify="right")
    shown = [m for m in HEADLINE if m != metric]
    for m in (metric, *shown[:6]):
        table.add_column(m, justify="right", style="bold" if m == metric else None)
    for i, row in enumerate(rows, start=1):
        cells = [str(row.params.get(n)) for n in names]
        cells += [c.number_text(row.metrics.get(m)) for m in (metric, *shown[:6])]
        table.add_row(str(i), *cells)
    c.console.print(table)


def walkforward(
    strategy: c.Strategy,
    data: c.Data,
    symbol: c.Symbols,
    param: c.Params = None,
    train: Annotated[int, typer.Option(help="In-sample bars per fold.")] = 500,
    test: Annotated[int, typer.Option(help="Out-of-sample bars per fold.")] = 100,
    step: Annotated[int | None, typer.Option(help="Bars between fold starts (default: --test).")] = None,
    interval: c.Interval = None,
    cash: c.Cash = Decimal(100_000),
    metric: Metric = "sharpe",
    engine: Engine = "vector",
    workers: Workers = None,
    cluster: Cluster = None,
    report: c.Report = None,
    db: c.Db = None,
    no_store: c.NoStore = False,
    as_json: c.AsJson = False,
    costs: c.Costs = c.Costs(),  # noqa: B008  (the cost and fill options: ``c.with_costs``)
) -> None:
    """Optimise on rolling in-sample windows and trade each winner on the next out-of-sample window."""
    try:
        files, currency = c.data_files(data, symbol, interval)
        base = c.make_spec(strategy, {}, cash, costs, currency)
        grid = parse_grid(c.split_params(param))
        specs, _ = expand(base, grid)
        rank([], metric)
        if cluster is not None:
            check_address(cluster)
        if engine not in ("event", "vector"):
            raise InvalidInput(f"--engine must be event or vector, got {engine!r}")
        url = None if no_store else c.database_url(db)
        bars = c.checked_bars(files)
        started = LiveClock().now_ns()
        runner = runner_for(bars, workers, len(specs), cluster)
        try:
            with progress_bar(0, "walk-forward", as_json) as bar:
                task = bar.add_task("folds", total=None)
                wf = walk_forward(
                    base, grid, bars, train=train, test=test, step=step, metric=metric, engine=engine,
                    runner=runner, on_fold=lambda _fold: bar.advance(task),
                )  # fmt: skip
        finally:
            close_runner(runner)
        symbols = [b.symbol for b in bars]
        header: dict[str, Any] = {
            "strategy": strategy,
            "symbols": symbols,
            "train": train,
            "test": test,
            "step": step or test,
            "combinations": len(specs),
        }
        out = walkforward_data(wf, header)
        del out["equity"], out["trades"]
        if report is not None:
            title = f"Walk-forward: {strategy} on {', '.join(symbols)}"
            out["report"] = str(write_walkforward_report(wf, report, title, header).html)
        if url is not None:
            run_id = run_id_for("walkforward", base, files, {"grid": grid, **header, "metric": metric})
            out["run_id"] = run_id
            summary = {**wf.metrics.to_json(), "trades": len(wf.trades), "folds": len(wf.folds)}
            config = {"spec": base.to_json(), "grid": grid, **header}
            asyncio.run(
                store_result(
                    url,
                    run_id,
                    name=f"walkforward:{strategy}",
                    config=config,
                    summary=summary,
                    started_at=started,
                    finished_at=LiveClock().now_ns(),
                )
            )
    except FreerideError as exc:
        raise c.fail(str(exc)) from None
    if as_json:
        print(json.dumps(out, default=str, allow_nan=False))
        return
    _print_folds(wf.folds, metric)
    m = wf.metrics
    c.console.print(
        f"out of sample: {m.trade_count} trades, return {m.total_return_pct:+.2f} %, Sharpe "
        f"{c.number_text(m.sharpe)}, max drawdown {m.max_drawdown_pct:.2f} %",
        highlight=False,
    )
    if "report" in out:
        c.console.print(f"report: {out['report']}", highlight=False)


def _print_folds(folds: list[Fold], metric: str) -> None:
    table = Table(title="walk-forward folds", title_justify="left")
    for column in (
        "fold",
        "test from",
        "test to",
        "best parameters",
        f"train {metric}",
        "test trades",
        "test return %",
    ):
        table.add_column(
            column, justify="left" if column in ("best parameters", "test from", "test to") else "right"
        )
    for f in folds:
        table.add_row(
            str(f.index + 1),
            f"{ns_to_datetime(f.train_end):%Y-%m-%d %H:%M}",
            f"{ns_to_datetime(f.test_end):%Y-%m-%d %H:%M}",
            ", ".join(f"{k}={v}" for k, v in f.best_params.items()), c.number_text(f.train_metric),
            str(f.test_trades), f"{f.test_return_pct:+.2f}",
        )  # fmt: skip
    c.console.print(table)
