"""``freeride anomalies list`` (what the running engine found) and ``anomalies scan FILE.csv``."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import msgspec
import typer
from rich.console import Console
from rich.table import Table

from freeride.app.journal import ANOMALY_KINDS, anomaly_rows, read_events
from freeride.cli.events import stamp
from freeride.cli.orders import load_settings_or_exit
from freeride.core.clock import NS_PER_SECOND, LiveClock
from freeride.core.errors import FreerideError
from freeride.ops.anomaly.scan import scan as scan_file
from freeride.ports.journal import JournalQuery

console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)
group = typer.Typer(
    help="Anomalies the engine found, and the detectors over any CSV series.", no_args_is_help=True
)


@group.command("list")
def list_command(
    days: Annotated[float, typer.Option(help="How far back to look.")] = 30.0,
    everything: Annotated[
        bool, typer.Option("--all", help="Resolved ones too, not only those still open.")
    ] = False,
    json_lines: Annotated[bool, typer.Option("--json", help="One JSON object per anomaly.")] = False,
) -> None:
    """Anomalies still open (and with --all, resolved ones), oldest first."""
    settings = load_settings_or_exit()
    since = LiveClock().now_ns() - int(days * 86_400 * NS_PER_SECOND)
    try:
        records = asyncio.run(
            read_events(settings, JournalQuery(kinds=ANOMALY_KINDS, start_ns=since, limit=100_000))
        )
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    shown = [row for row in anomaly_rows(records) if everything or row["resolved"] is None]
    if json_lines:
        for row in shown:
            print(json.dumps(row))
        return
    if not shown:
        console.print("no open anomalies" if not everything else "no anomalies")
        return
    table = Table(title="anomalies", title_justify="left")
    for column in ("key", "opened (UTC)", "resolved (UTC)", "why"):
        table.add_column(column)
    for row in shown:
        resolved = row["resolved"]
        table.add_row(
            str(row["key"]),
            stamp(int(row["opened"])),  # type: ignore[call-overload]
            "[yellow]open[/yellow]" if resolved is None else stamp(int(resolved)),  # type: ignore[call-overload]
            str(row["why"]),
        )
    console.print(table)


@group.command("scan")
def scan_command(
    file: Annotated[Path, typer.Argument(help="A CSV file with a header row.", exists=True, dir_okay=False)],
    time_column: Annotated[str, typer.Option(help="The column holding times (ISO, or epoch s/ms/ns).")] = "t",
    value_column: Annotated[str, typer.Option(help="The column holding values.")] = "v",
    z: Annotated[float, typer.Option(min=1.0, help="The z-score beyond which a point is flagged.")] = 6.0,
    json_lines: Annotated[bool, typer.Option("--json", help="One JSON line per flagged point.")] = False,
) -> None:
    """Run the online detectors over a recorded series and print every flagged point."""
    try:
        flagged = scan_file(file, time_column, value_column, z=z)
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if json_lines:
        for f in flagged:
            print(json.dumps(msgspec.to_builtins(f)))
        return
    if not flagged:
        console.print(f"{file.name}: nothing flagged")
        return
    table = Table(title=f"{file.name}: {len(flagged)} flagged", title_justify="left")
    for column in ("line", "time", "value", "detector", "score", "baseline"):
        table.add_column(column)
    for f in flagged:
        table.add_row(
            str(f.line), f.time, f"{f.value:,.6g}", f.detector, f"{f.score:,.2f}", f"{f.baseline:,.6g}"
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="anomalies")
