"""``freeride bot sync-commands [--guild ID]``: tell Discord which slash commands the bot has."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from freeride.api.discord.sync import sync_commands
from freeride.cli.orders import load_settings_or_exit
from freeride.core.clock import LiveClock
from freeride.core.errors import FreerideError, InvalidInput

console = Console(width=None if sys.stdout.isatty() else 140, highlight=False)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)
group = typer.Typer(help="The Discord bot: register its slash commands.", no_args_is_help=True)


@group.command("sync-commands")
def sync_command(
    guild: Annotated[
        str | None, typer.Option(help="A server id: register there only, at once (else globally).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Discord's answer as JSON.")] = False,
) -> None:
    """Replace the application's slash commands with the ones this freeride answers."""
    settings = load_settings_or_exit()
    try:
        stored = asyncio.run(sync_commands(settings, LiveClock(), guild))
    except InvalidInput as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps(stored))
        return
    where = f"server {guild}" if guild else "every server (global; may take a while to appear)"
    names = ", ".join(f"/{c.get('name')}" for c in stored if isinstance(c, dict))
    console.print(f"registered {len(stored)} commands for {where}: {names}")


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="bot")
