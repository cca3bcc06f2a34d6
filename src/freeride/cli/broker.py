"""``freeride broker login robinhood`` and ``freeride broker status``.

``login robinhood`` is the one-time device approval: it asks for what it needs (the username and
password unless stored as ``robinhood_username`` / ``robinhood_password``), meets whatever
challenge Robinhood sets (approve in the app, or type the code sent by SMS or email; MFA codes
come from ``robinhood_totp_secret`` when stored), and stores the tokens and the device token in the
secret store. From then on the engine only refreshes.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from freeride.app.operator import broker_report, halts, robinhood_login, secret_chain
from freeride.cli.orders import load_settings_or_exit, when
from freeride.core.clock import LiveClock
from freeride.core.errors import FreerideError

console = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


class ConsoleResponder:
    """The person at the terminal answers Robinhood's challenge."""

    async def code(self, channel: str) -> str:
        return str(typer.prompt(f"Robinhood sent a code by {channel}; type it"))

    async def approve_in_app(self) -> None:
        console.print("Approve this login in the Robinhood app on your phone; waiting (up to 2 minutes)…")


def login(broker: Annotated[str, typer.Argument(help="The broker to log in to: robinhood.")]) -> None:
    """Log in once and approve this device; tokens go to the secret store, never to a pickle."""
    if broker != "robinhood":
        err.print(
            f"[red]error:[/red] only robinhood needs a login ({broker!r} uses API keys in the secret store)"
        )
        raise typer.Exit(2)
    settings = load_settings_or_exit()
    secrets = secret_chain(settings)
    username = settings.execution.robinhood.username or secrets.get("robinhood_username")
    username = username or str(typer.prompt("Robinhood username (e-mail)"))
    password = secrets.get("robinhood_password") or str(typer.prompt("Password", hide_input=True))
    try:
        where = asyncio.run(
            robinhood_login(
                settings,
                LiveClock(),
                ConsoleResponder(),
                username=username,
                password=password,
                totp_secret=secrets.get("robinhood_totp_secret"),
            )
        )
    except FreerideError as exc:
        err.print(f"[red]login failed:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(
        f"[green]logged in[/green]; tokens stored in: {where}. The engine refreshes them from now on."
    )


def status() -> None:
    """The broker's session, account, positions and open orders, and any halt in force."""
    settings = load_settings_or_exit()
    clock = LiveClock()
    report = asyncio.run(broker_report(settings, clock))
    stopped = asyncio.run(halts(settings, clock))
    table = Table(title=f"broker: {report.broker}")
    table.add_column("check")
    table.add_column("state")
    if report.session is not None:
        alive = "[green]alive[/green]" if report.session.alive else "[red]dead[/red]"
        expires = f", expires {when(report.session.expires_at_ns)}" if report.session.expires_at_ns else ""
        table.add_row("session", f"{alive} — {report.session.detail}{expires}")
    if report.account is not None:
        a = report.account
        table.add_row("account", f"{a.account}: cash {a.cash} {a.currency}, buying power {a.buying_power}")
        table.add_row("positions", ", ".join(f"{p.symbol} {p.quantity}" for p in report.positions) or "none")
        table.add_row("open orders", str(report.open_orders))
    if report.problem:
        table.add_row("problem", f"[red]{report.problem}[/red]")
    for halt in stopped:
        table.add_row(
            f"halt: {halt.kind.value}", f"[red]{halt.reason}[/red] (by {halt.source}, {when(halt.since_ns)})"
        )
    if not stopped:
        table.add_row("trading", "[green]not halted[/green]")
    console.print(table)
    if report.problem or (report.session is not None and not report.session.alive):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Broker sessions: login, status.", no_args_is_help=True)
    group.command("login")(login)
    group.command("status")(status)
    app.add_typer(group, name="broker")
