"""``freeride run``: the embedded main job with a live progress bar and a summary table.

By default it also serves the API and dashboard on the loopback interface, prints the URL and a
login token valid for this run, and keeps serving after the feed until Ctrl-C; ``--exit-when-done``
returns as soon as the feed is exhausted (the API then runs only when ``FREERIDE_API__ENABLED``).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from freeride.api import create_app
from freeride.app.embedded import run_embedded
from freeride.app.serving import Serving
from freeride.app.summary import RunSummary
from freeride.cli.app import app
from freeride.cli.bus_option import bus_overrides
from freeride.cli.serving import announce_and_hold, serving_settings
from freeride.config.settings import Settings, load_settings
from freeride.core.clock import LiveClock, ns_to_datetime
from freeride.core.errors import FreerideError
from freeride.core.market import Bar
from freeride.ops.logging import configure_logging

# Off a terminal (CI logs, pipes) rich assumes 80 columns and would squeeze the summary table.
console = Console(width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


class _RichProgress:
    """Draws the replay's progress; redraws every few hundred bars so drawing never costs the run."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: Any = None
        self._since = 0

    def started(self, total: int, feed_name: str) -> None:
        self._task = self._progress.add_task(feed_name, total=total, at="")

    def advanced(self, bar: Bar) -> None:
        self._since += 1
        if self._since >= 250:
            at = f"{bar.symbol} {ns_to_datetime(bar.ts_event):%Y-%m-%d %H:%M}"
            self._progress.update(self._task, advance=self._since, at=at)
            self._since = 0

    def finish(self) -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=self._since)


@app.command()
def run(
    exit_when_done: Annotated[
        bool, typer.Option("--exit-when-done", help="Return as soon as the feed is exhausted.")
    ] = False,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (overrides FREERIDE_DATABASE_URL).")
    ] = None,
    bus: Annotated[
        str | None,
        typer.Option(
            "--bus",
            help="'memory', or a Redis URL (redis://host:6379/0) to carry every event on Redis Streams "
            "(overrides FREERIDE_BUS__BACKEND and FREERIDE_REDIS_URL).",
        ),
    ] = None,
    speed: Annotated[
        float | None, typer.Option(help="Replay speed: 0 = as fast as possible, N = N× real time.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    port: Annotated[
        int | None,
        typer.Option(help="Dashboard port (default FREERIDE_API__PORT, else 8000 or a free one if taken)."),
    ] = None,
) -> None:
    """Replay the configured feeds through the bus, trade them on the paper broker, store everything."""
    overrides: dict[str, Any] = {}
    if db is not None:
        overrides["database_url"] = db
    if speed is not None:
        overrides["run"] = {"speed": speed}  # merged into the rest of the run settings
    try:
        if bus is not None:
            overrides.update(bus_overrides(bus))
        settings = load_settings(**overrides)
    except FreerideError as exc:
        err_console.print(f"[red]configuration error[/red]\n{exc}")
        raise typer.Exit(2) from None
    configure_logging(settings.log.level, settings.log.format)
    serving = None
    if not exit_when_done:
        settings = serving_settings(settings, port)
        serving = Serving(announce=announce_and_hold)
    summary = _run(settings, quiet=as_json, serving=serving)
    if as_json:
        print(json.dumps(summary.to_json()))
    else:
        _print_summary(summary)


def _run(settings: Settings, quiet: bool, serving: Serving | None = None) -> RunSummary:
    clock = LiveClock()
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[at]}"),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=err_console, disable=quiet, transient=False) as bar:
            progress = _RichProgress(bar)
            summary = asyncio.run(
                run_embedded(settings, clock, progress, serve=create_app, serving=serving, signals=True)
            )
            progress.finish()
    except FreerideError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    return summary


def _print_summary(summary: RunSummary) -> None:
    table = Table(title=f"Run {summary.run_id}  ·  {summary.database}", title_justify="left")
    table.add_column("instrument", no_wrap=True)
    for name in ("bars", "trades", "commission", "P&L", "final equity", "return"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("ccy")
    for i in summary.instruments:
        colour = "green" if i.pnl >= 0 else "red"
        table.add_row(
            f"{i.symbol} {i.interval}",
            f"{i.bars:,}",
            f"{i.trades:,}",
            f"{i.commission:,.2f}",
            f"[{colour}]{i.pnl:+,.2f}[/{colour}]",
            f"{i.final_equity:,.2f}",
            f"[{colour}]{i.return_pct:+.2f}%[/{colour}]",
            i.currency,
        )
    console.print(table)
    console.print(
        f"{summary.bars:,} bars, {summary.events_published:,} events in {summary.wall_seconds:.2f} s; "
        f"handler failures: {summary.handler_failures}. Stored under run id {summary.run_id}: "
        "running the same inputs again replaces this run."
    )
