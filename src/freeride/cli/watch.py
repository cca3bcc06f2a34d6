"""``freeride watch add|rm|list``: watchlists, symbols streamed for alerts and the dashboard.

Symbols are stored in the database; a running ``freeride live`` streams one added here within a
few seconds, no restart needed. Lists set in ``freeride.toml`` (``[watchlists]``) are shown beside
the stored ones and are edited in that file. Examples:

    freeride watch add NVDA
    freeride watch add EUR/USD --list fx
    freeride watch list
    freeride watch rm NVDA
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import msgspec
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from freeride.app.database import open_database
from freeride.app.symbol_lookups import symbol_lookups
from freeride.app.watchlists import build_watchlists
from freeride.cli.orders import load_settings_or_exit, when
from freeride.config.settings import Settings
from freeride.core.clock import LiveClock
from freeride.core.errors import FreerideError
from freeride.core.watchlists import DEFAULT_LIST
from freeride.gateway.watchlists import NotWatched, WatchlistService

console = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)
T = TypeVar("T")
ListOption = Annotated[str, typer.Option("--list", "-l", help="watchlist name")]


def _with_service(settings: Settings, work: Callable[[WatchlistService], Awaitable[T]]) -> T:
    async def main() -> T:
        async with open_database(settings.database_url) as db, symbol_lookups(settings) as lookups:
            return await work(build_watchlists(settings, db, LiveClock(), lookups=lookups))

    try:
        return asyncio.run(main())
    except NotWatched as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Watchlists: symbols streamed for alerts and the dashboard.", no_args_is_help=True
    )
    app.add_typer(group, name="watch")

    @group.command("add")
    def add(
        symbols: Annotated[list[str], typer.Argument(help="AAPL, EUR/USD, … (one or more)")],
        list_: ListOption = DEFAULT_LIST,
    ) -> None:
        """Add symbols to a watchlist (checked against the known instruments)."""
        settings = load_settings_or_exit()

        async def work(service: WatchlistService) -> list[tuple[str, bool]]:
            added = []
            for symbol in symbols:
                entry, new = await service.add(list_, symbol)
                added.append((entry.symbol, new))
            return added

        for symbol, new in _with_service(settings, work):
            console.print(f"{'added' if new else 'already on'} {list_}: {symbol}", highlight=False)

    @group.command("rm")
    def rm(
        symbols: Annotated[list[str], typer.Argument(help="symbols to take off the list")],
        list_: ListOption = DEFAULT_LIST,
    ) -> None:
        """Remove symbols from a watchlist."""
        settings = load_settings_or_exit()

        async def work(service: WatchlistService) -> list[str]:
            return [(await service.remove(list_, symbol)).symbol for symbol in symbols]

        for symbol in _with_service(settings, work):
            console.print(f"removed {list_}: {symbol}", highlight=False)

    @group.command("list")
    def list_cmd(
        list_: Annotated[str | None, typer.Option("--list", "-l", help="only this watchlist")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON object per list")] = False,
    ) -> None:
        """Show every watchlist: configured (freeride.toml) and stored (watch add) symbols."""
        settings = load_settings_or_exit()
        lists = _with_service(settings, lambda s: s.lists(list_))
        if as_json:
            for watchlist in lists:
                print(json.dumps(msgspec.to_builtins(watchlist)))
            return
        table = Table(title=f"{len(lists)} watchlist(s)", title_justify="left")
        for name in ("list", "symbol", "from", "added (UTC)"):
            table.add_column(name)
        for watchlist in lists:
            for entry in watchlist.entries:
                table.add_row(watchlist.name, entry.symbol, entry.source.value, when(entry.added_at))
        console.print(table)
