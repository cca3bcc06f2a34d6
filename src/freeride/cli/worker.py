"""``freeride worker --role R [--shard i/n]``: one role of the service, on the Redis bus."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.console import Console

from freeride.api import create_app
from freeride.api.bot_app import NOT_CONFIGURED, create_bot_app
from freeride.app.worker import run_worker
from freeride.app.worker_roles import ROLES
from freeride.bus.redis_streams import Shard
from freeride.cli.bus_option import bus_overrides
from freeride.config.settings import load_settings
from freeride.core.clock import LiveClock
from freeride.core.errors import FreerideError
from freeride.ops.logging import configure_logging

err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    @app.command()
    def worker(
        role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
        shard: Annotated[
            str,
            typer.Option("--shard", help="i/n: this worker's share of a sharded role (alerts, strategies)."),
        ] = "0/1",
        bus: Annotated[
            str | None, typer.Option("--bus", help="Redis URL of the bus (default: FREERIDE_REDIS_URL).")
        ] = None,
        db: Annotated[
            str | None, typer.Option("--db", help="Database URL (default: FREERIDE_DATABASE_URL).")
        ] = None,
        health_port: Annotated[
            int | None,
            typer.Option(
                "--health-port", help="Serve /healthz, /readyz and /metrics on this port (0: any free)."
            ),
        ] = None,
    ) -> None:
        """Run one role of the service as its own process, joined to the others by Redis Streams.

        SIGTERM or Ctrl-C drains it: the batch in hand is finished and acknowledged, the rest stays
        pending for the next worker of the role."""
        if role not in ROLES:
            err.print(f"[red]--role {role!r}: expected one of {', '.join(ROLES)}[/red]")
            raise typer.Exit(2)
        overrides: dict[str, Any] = {"bus": {"backend": "redis"}}
        try:
            part = Shard.parse(shard)
            if bus is not None:
                overrides.update(bus_overrides(bus))
            if db is not None:
                overrides["database_url"] = db
            settings = load_settings(**overrides)
        except (FreerideError, ValueError) as exc:
            err.print(f"[red]configuration error[/red]\n{exc}")
            raise typer.Exit(2) from None
        if role == "bot" and not settings.discord.enabled:  # said before Redis and the database
            err.print(f"[red]error:[/red] {NOT_CONFIGURED}")
            raise typer.Exit(2)
        configure_logging(settings.log.level, settings.log.format)
        serve = create_bot_app if role == "bot" else create_app
        try:
            reason = asyncio.run(
                run_worker(settings, LiveClock(), role, part, health_port=health_port, serve=serve)
            )
        except FreerideError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        err.print(f"worker {role} {part} stopped: {reason}")
