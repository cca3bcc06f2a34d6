"""``freeride orders``, ``freeride positions``, ``freeride kill`` and ``freeride resume``.

The kill switch is a row in the database: ``freeride kill`` writes it, a running engine sees it at
its next look (``execution.kill_switch.poll_s``, 1 s by default), cancels every open order and
refuses new ones; an engine started later starts halted. ``freeride resume`` clears it.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from freeride.app.operator import decide, kill, pending, resume, stored_orders, stored_positions
from freeride.config.settings import Settings, load_settings
from freeride.core.clock import LiveClock, ns_to_datetime
from freeride.core.errors import FreerideError
from freeride.ports.execution import HaltKind

console = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)


def load_settings_or_exit(**overrides: Any) -> Settings:
    """The settings (with ``overrides`` from command-line options), or exit 2 naming each problem."""
    try:
        return load_settings(**overrides)
    except FreerideError as exc:
        err.print(f"[red]configuration error[/red]\n{exc}")
        raise typer.Exit(2) from None


def when(ns: int | None) -> str:
    return "" if not ns else f"{ns_to_datetime(ns):%Y-%m-%d %H:%M:%S}"


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


RunOption = Annotated[
    str | None,
    typer.Option("--run", help="Run id (default: the newest run's: a replay's, or the live account's)."),
]


def orders(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="Only orders still open.")] = False,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    run: RunOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per order.")] = False,
) -> None:
    """Orders as stored: what was sent, what the broker said, what filled."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings_or_exit()
    ledger, found = asyncio.run(stored_orders(settings, run, open_only, limit))
    if as_json:
        for o in found:
            console.print_json(
                json.dumps({k: str(v) if v is not None else None for k, v in _fields(o).items()})
            )
        return
    table = Table(title=f"orders ({ledger})")
    for column in ("time", "client id", "symbol", "side", "qty", "type", "status", "filled", "avg", "reason"):
        table.add_column(column)
    for o in found:
        table.add_row(
            when(o.ts_event),
            o.client_order_id,
            o.symbol,
            o.side.value,
            str(o.quantity),
            o.order_type.value,
            o.status.value,
            str(o.filled_quantity),
            "" if o.avg_fill_price is None else str(o.avg_fill_price),
            o.reason,
        )
    console.print(table)


def _fields(o: object) -> dict[str, object]:
    return {name: getattr(o, name) for name in getattr(o, "__struct_fields__", ())}


def approvals(
    run: Annotated[str | None, typer.Option("--run", help="Only this run's orders.")] = None,
) -> None:
    """Orders waiting for approval (approval mode), in every run unless ``--run`` says which."""
    settings = load_settings_or_exit()
    waiting = asyncio.run(pending(settings, LiveClock(), run))
    if not waiting:
        console.print("no orders wait for approval")
        return
    table = Table(title="waiting for approval")
    for column in ("since", "client id", "order", "run"):
        table.add_column(column)
    for a in waiting:
        table.add_row(when(a.requested_at), a.client_order_id, a.summary, a.run_id)
    console.print(table)


DecideRun = Annotated[
    str | None, typer.Option("--run", help="The run it waits in (needed only when several hold the id).")
]


def approve(
    client_order_id: Annotated[str, typer.Argument(help="The order's client id.")], run: DecideRun = None
) -> None:
    """Approve a held order: the engine sends it at its next look."""
    _decide(client_order_id, True, run)


def reject(
    client_order_id: Annotated[str, typer.Argument(help="The order's client id.")], run: DecideRun = None
) -> None:
    """Reject a held order: it is closed without being sent."""
    _decide(client_order_id, False, run)


def _decide(client_order_id: str, yes: bool, run: str | None) -> None:
    settings = load_settings_or_exit()
    try:
        decided = asyncio.run(decide(settings, LiveClock(), client_order_id, yes, _who(), run))
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if not decided:
        where = f" in run {run}" if run else ""
        err.print(f"[red]error:[/red] no order {client_order_id!r} waits for approval{where}")
        raise typer.Exit(1)
    console.print(
        f"{client_order_id} {'approved' if yes else 'rejected'}; a running engine acts on it at its next look"
    )


def positions(run: RunOption = None) -> None:
    """Positions as the order manager booked them from fills (``freeride broker status`` asks the broker)."""
    settings = load_settings_or_exit()
    ledger, found = asyncio.run(stored_positions(settings, run))
    table = Table(title=f"positions ({ledger})")
    for column in ("symbol", "quantity", "avg price", "realized P&L", "as of"):
        table.add_column(column)
    for p in found:
        table.add_row(p.symbol, str(p.quantity), str(p.avg_price), str(p.realized_pnl), when(p.ts_event))
    console.print(table)


def kill_command(
    reason: Annotated[str, typer.Option("--reason", help="Why; shown in alerts and status.")] = "operator",
) -> None:
    """Engage the kill switch: open orders are cancelled and nothing new is sent until resumed."""
    settings = load_settings_or_exit()
    try:
        halt = asyncio.run(kill(settings, LiveClock(), reason, _who()))
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    poll = settings.execution.kill_switch.poll_s
    console.print(
        f"[red]kill switch engaged[/red] ({halt.reason}); a running engine reacts within {poll:g} s"
    )


def resume_command(
    kind: Annotated[
        list[HaltKind] | None, typer.Option("--only", help="Clear only this kind of halt (repeatable).")
    ] = None,
) -> None:
    """Clear the halts (the kill switch, a reconciliation halt, the daily-loss halt)."""
    settings = load_settings_or_exit()
    cleared = asyncio.run(resume(settings, LiveClock(), _who(), kind))
    if not cleared:
        console.print("nothing was halted")
        return
    for halt in cleared:
        console.print(f"cleared {halt.kind.value} halt ({halt.reason})")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Orders: list, approvals.", invoke_without_command=True)
    group.callback()(orders)
    group.command("approvals")(approvals)
    group.command("approve")(approve)
    group.command("reject")(reject)
    app.add_typer(group, name="orders")
    app.command("positions")(positions)
    app.command("kill")(kill_command)
    app.command("resume")(resume_command)
