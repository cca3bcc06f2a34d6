"""``freeride events`` (the journal, filtered, optionally followed) and ``freeride trace ID``.

Both read the database, so they work in another shell beside a running engine: ``--follow``
prints entries as the engine writes them, until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from typing import Annotated, Any

import msgspec
import typer
from rich.console import Console
from rich.markup import escape

from freeride.app.journal import follow_events, read_chain, read_events
from freeride.cli.alerts import duration_s
from freeride.cli.orders import load_settings_or_exit
from freeride.core.clock import NS_PER_SECOND, LiveClock, datetime_to_ns, ns_to_datetime
from freeride.core.errors import FreerideError, InvalidInput
from freeride.core.system import Level
from freeride.journal.trace import duration, hops
from freeride.ports.journal import JournalQuery, JournalRecord

console = Console(width=None if sys.stdout.isatty() else 200, highlight=False)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)

_COLOUR = {
    Level.DEBUG: "dim",
    Level.INFO: "",
    Level.WARNING: "yellow",
    Level.ERROR: "red",
    Level.CRITICAL: "bold red",
}


def time_ns(text: str, option: str, now_ns: int) -> int:
    """``14d`` / ``2h`` (that long ago), or a date or date-time (ISO, naive = UTC)."""
    try:
        return now_ns - int(duration_s(text, option) * NS_PER_SECOND)
    except InvalidInput:
        pass
    try:
        return datetime_to_ns(datetime.fromisoformat(text.strip()))
    except ValueError:
        raise InvalidInput(
            f"{option}: {text!r} is neither a duration (30m, 2h, 14d) "
            "nor a date (2026-01-31, 2026-01-31T09:30)"
        ) from None


def stamp(ns: int) -> str:
    return ns_to_datetime(ns).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def as_json(record: JournalRecord) -> dict[str, Any]:
    e = record.event
    out: dict[str, Any] = {"id": record.id, "run_id": record.run_id, "component": e.source}
    out.update(msgspec.to_builtins(e))
    return out


def _line(record: JournalRecord) -> str:
    e = record.event
    colour = _COLOUR[e.level]
    text = (
        f"{stamp(e.ts_event)}  {e.level.value:<8} {e.source:<10} {e.kind:<20} "
        f"{(e.symbol or '-'):<9} {(e.correlation_id or '-'):<18} {escape(e.message)}"
    )
    return f"[{colour}]{text}[/{colour}]" if colour else text


def _print(records: list[JournalRecord], json_lines: bool) -> None:
    for record in records:
        if json_lines:
            print(json.dumps(as_json(record), default=str), flush=True)
        else:
            console.print(_line(record))


def events(
    since: Annotated[str | None, typer.Option(help="14d, 2h, 30m ago, or a date/time (UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Same forms as --since.")] = None,
    kind: Annotated[
        list[str] | None, typer.Option(help="Only this kind (repeatable): order_filled, failover…")
    ] = None,
    component: Annotated[list[str] | None, typer.Option(help="Only this component (repeatable).")] = None,
    level: Annotated[Level | None, typer.Option(help="This level or worse.")] = None,
    symbol: Annotated[str | None, typer.Option(help="Only entries about this instrument.")] = None,
    run: Annotated[str | None, typer.Option(help="Only this run's entries.")] = None,
    correlation: Annotated[str | None, typer.Option(help="Only this chain (see freeride trace).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="At most this many (the newest).")] = 100,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new entries until Ctrl-C.")
    ] = False,
    json_lines: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """The journal: every system event and domain fact, filtered, oldest first."""
    try:
        _events(since, until, kind, component, level, symbol, run, correlation, limit, follow, json_lines)
    except KeyboardInterrupt:
        if not follow:
            raise
        # Ctrl-C is how a follow ends, whenever it comes (even before the first entry): a clean exit


def _events(
    since: str | None,
    until: str | None,
    kind: list[str] | None,
    component: list[str] | None,
    level: Level | None,
    symbol: str | None,
    run: str | None,
    correlation: str | None,
    limit: int,
    follow: bool,
    json_lines: bool,
) -> None:
    settings = load_settings_or_exit()
    now = LiveClock().now_ns()
    try:
        query = JournalQuery(
            start_ns=time_ns(since, "--since", now) if since else None,
            end_ns=time_ns(until, "--until", now) if until else None,
            kinds=tuple(kind or ()),
            components=tuple(component or ()),
            min_level=level,
            symbol=symbol,
            run_id=run,
            correlation_id=correlation,
            limit=limit,
        )
        if follow:
            asyncio.run(_follow(settings, query, json_lines))
            return
        records = asyncio.run(read_events(settings, query))
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if not records and not json_lines:
        err.print("no journal entries match")
    _print(records, json_lines)


async def _follow(settings: Any, query: JournalQuery, json_lines: bool) -> None:
    async for batch in follow_events(settings, msgspec.structs.replace(query, end_ns=None), LiveClock()):
        _print(batch, json_lines)


def trace(
    correlation_id: Annotated[
        str, typer.Argument(help="A correlation id from freeride events or the dashboard.")
    ],
    json_lines: Annotated[bool, typer.Option("--json", help="One JSON object per hop.")] = False,
) -> None:
    """One chain of causes hop by hop (bar → signal → intent → order → fill; tick → alert → notification)
    with the time each hop took."""
    settings = load_settings_or_exit()
    try:
        records = asyncio.run(read_chain(settings, correlation_id))
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    chain = hops(records)
    if not chain:
        err.print(f"no journal entries carry correlation id {correlation_id!r}")
        raise typer.Exit(1)
    if json_lines:
        for hop in chain:
            row = as_json(hop.record)
            row.update(after_ns=hop.after_ns, since_start_ns=hop.since_start_ns)
            print(json.dumps(row, default=str))
        return
    first = chain[0].record.event
    console.print(f"chain {correlation_id}: {len(chain)} hops from {stamp(first.ts_init)} UTC")
    for i, hop in enumerate(chain):
        e = hop.record.event
        took = "start" if i == 0 else f"+{duration(hop.after_ns)}"
        console.print(f"  {took:>11}  {e.source}/{e.kind:<18} {(e.symbol or ''):<9} {escape(e.message)}")
    console.print(f"  total {duration(chain[-1].since_start_ns)}")


def register(app: typer.Typer) -> None:
    app.command("events")(events)
    app.command("trace")(trace)
