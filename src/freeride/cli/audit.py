"""``freeride audit``: the self-audit of a period, as Markdown, JSON and charts."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from freeride.app.audit import run_audit
from freeride.cli.events import time_ns
from freeride.cli.orders import load_settings_or_exit
from freeride.core.clock import LiveClock
from freeride.core.errors import FreerideError, InvalidInput

console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)


def audit(
    since: Annotated[str, typer.Option(help="The period's start: 14d ago, or a date (UTC).")] = "14d",
    until: Annotated[str | None, typer.Option(help="Its end (default now).")] = None,
    out: Annotated[Path | None, typer.Option(help="Where the files go (default ops.audit_dir).")] = None,
    post: Annotated[
        list[str] | None, typer.Option(help="Post the summary to this channel (repeatable).")
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the audit's JSON instead of a summary.")
    ] = False,
) -> None:
    """Bottlenecks, redundancies and inefficiencies with their measured cost, a priority list and a
    before/after table against the previous audit, from the journal and its metrics."""
    settings = load_settings_or_exit()
    now = LiveClock().now_ns()
    try:
        start = time_ns(since, "--since", now)
        end = time_ns(until, "--until", now) if until else now
        if start >= end:
            raise InvalidInput("--since must be before --until")
        unknown = [c for c in post or [] if c not in settings.notify.channels]
        if unknown:
            known = ", ".join(settings.notify.channels) or "none"
            raise InvalidInput(f"--post: no channel named {', '.join(unknown)}; channels: {known}")
        folder = out if out is not None else Path(settings.ops.audit_dir)
        figures, files = asyncio.run(run_audit(settings, start, end, folder, post=post, now_ns=now))
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if json_out:
        print(Path(files.json).read_text(encoding="utf-8"), end="")
        return
    console.print(f"audit of {figures.events:,} journal entries written:")
    for path in (files.markdown, files.json, *files.charts):
        console.print(f"  {path}")
    console.print("priorities:" if files.priorities else "nothing to act on")
    for i, p in enumerate(files.priorities[:10], 1):
        console.print(f"  {i}. {p}")
    if post:
        console.print(f"summary queued for {', '.join(post)}")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
