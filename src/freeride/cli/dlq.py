"""``freeride dlq list|replay``: what the Redis bus could not deliver, and sending it back."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated, Any

import msgspec
import typer
from rich.console import Console
from rich.table import Table

from freeride.app.dead_letters import dead_letters, replay_dead_letters
from freeride.cli.bus_option import bus_overrides
from freeride.cli.orders import load_settings_or_exit
from freeride.config.settings import Settings
from freeride.core.errors import ConfigError, InvalidInput

console = Console(width=None if sys.stdout.isatty() else 200, highlight=False)
err = Console(stderr=True)

BusOption = Annotated[
    str | None, typer.Option("--bus", help="Redis URL of the bus (default: FREERIDE_REDIS_URL).")
]


def _settings(bus: str | None) -> Settings:
    return load_settings_or_exit(**(bus_overrides(bus) if bus is not None else {}))


def _run(work: Any) -> Any:
    try:
        return asyncio.run(work)
    except ConfigError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    except InvalidInput as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    dlq = typer.Typer(
        help="The Redis bus's dead letters: events no handler could take.", no_args_is_help=True
    )
    app.add_typer(dlq, name="dlq")

    @dlq.command("list")
    def list_(
        bus: BusOption = None,
        count: Annotated[int, typer.Option(min=1, help="How many, oldest first.")] = 100,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    ) -> None:
        """List dead letters: where each came from, after how many deliveries, and why."""
        letters = _run(dead_letters(_settings(bus), count))
        if as_json:
            for letter in letters:
                print(json.dumps(msgspec.to_builtins(letter)))
            return
        if not letters:
            console.print("no dead letters")
            return
        table = Table("id", "stream", "group", "topic", "type", "deliveries", "reason")
        for d in letters:
            table.add_row(d.id, d.stream, d.group, d.topic or "", d.type or "", str(d.deliveries), d.reason)
        console.print(table)

    @dlq.command("replay")
    def replay_(
        ids: Annotated[
            list[str] | None, typer.Argument(help="Dead-letter ids (from `freeride dlq list`).")
        ] = None,
        all_: Annotated[bool, typer.Option("--all", help="Replay every dead letter.")] = False,
        bus: BusOption = None,
    ) -> None:
        """Send dead letters back to their streams (their groups handle them anew) and remove them."""
        if not ids and not all_:
            err.print("[red]name the dead letters to replay, or pass --all[/red]")
            raise typer.Exit(2)
        done = _run(replay_dead_letters(_settings(bus), None if all_ else list(ids or [])))
        console.print(f"replayed {len(done)} dead letter(s)")
