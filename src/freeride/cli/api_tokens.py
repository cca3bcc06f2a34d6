"""``freeride api token create|list|revoke``: API tokens (only a hash is stored)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from freeride.app.api import create_token
from freeride.app.database import open_database
from freeride.cli.alerts import duration_s
from freeride.cli.orders import load_settings_or_exit
from freeride.config.settings import Settings
from freeride.core.clock import LiveClock, ns_to_datetime
from freeride.core.errors import FreerideError
from freeride.ports.tokens import Scope
from freeride.storage.repositories import TokenRepository

console = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)
T = TypeVar("T")


def _run(settings: Settings, work: Callable[[TokenRepository], Awaitable[T]]) -> T:
    async def main() -> T:
        async with open_database(settings.database_url) as db:
            return await work(TokenRepository(db))

    try:
        return asyncio.run(main())
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def _when(ns: int | None) -> str:
    return "" if ns is None else f"{ns_to_datetime(ns):%Y-%m-%d %H:%M}"


def register(app: typer.Typer) -> None:
    api = typer.Typer(help="The HTTP API.", no_args_is_help=True)
    token = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
    api.add_typer(token, name="token")
    app.add_typer(api, name="api")

    @token.command("create")
    def create(
        name: Annotated[str, typer.Option(help="what the token is for, e.g. dashboard")],
        scope: Annotated[Scope, typer.Option(help="read < trade < admin")] = Scope.READ,
        expires: Annotated[
            str | None, typer.Option(help="stop working after this long, e.g. 12h, 30d (default: never)")
        ] = None,
    ) -> None:
        """Create a token and print it once (it cannot be shown again)."""
        try:
            lifetime = None if expires is None else duration_s(expires, "--expires")
        except FreerideError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        secret, record = _run(
            load_settings_or_exit(),
            lambda repo: create_token(repo, name, scope, LiveClock(), expires_in_s=lifetime),
        )
        until = f", expiring {_when(record.expires_at)} UTC" if record.expires_at is not None else ""
        what = f"token #{record.id} {record.name!r} with scope {record.scope.value}{until}"
        err.print(f"created {what}; store it now:")
        print(secret)

    @token.command("list")
    def list_(all_: Annotated[bool, typer.Option("--all", help="include revoked tokens")] = False) -> None:
        """List tokens (never their secrets)."""
        tokens = _run(load_settings_or_exit(), lambda repo: repo.list(include_revoked=all_))
        table = Table(title=f"{len(tokens)} token(s)", title_justify="left")
        for column in ("id", "name", "scope", "starts with", "created", "last used", "expires", "revoked"):
            table.add_column(column)
        for t in tokens:
            row = [
                str(t.id),
                t.name,
                t.scope.value,
                t.prefix + "…",
                _when(t.created_at),
                _when(t.last_used_at),
                _when(t.expires_at),
            ]
            table.add_row(*row, _when(t.revoked_at))
        console.print(table)

    @token.command("revoke")
    def revoke(token_id: Annotated[str, typer.Argument(help="token id or name")]) -> None:
        """Revoke a token; requests with it fail within api.token_cache_s seconds."""
        record = _run(load_settings_or_exit(), lambda repo: repo.revoke(token_id, LiveClock().now_ns()))
        if record is None:
            err.print(f"[red]error:[/red] no active token with id or name {token_id!r}")
            raise typer.Exit(1)
        console.print(f"revoked token #{record.id} {record.name!r}")
