"""``freeride flatten``: cancel every open order and close every position of the live account.

Like ``freeride kill`` it goes through the database: the request is stored, the running engine
trading the live ledger (``execution.run_id()``) acts on it at its next look
(``execution.kill_switch.poll_s``) and writes back what it cancelled and sent, which this command
waits for (``--wait``). A request no engine takes within a minute expires without doing anything,
so a flatten typed while nothing runs cannot close positions opened later. It asks before sending
unless ``--yes``.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from freeride.app.operator import flatten, flatten_request
from freeride.cli.orders import _who, console, err, load_settings_or_exit, when
from freeride.core.clock import LiveClock
from freeride.core.errors import FreerideError
from freeride.ports.execution import FlattenRequest, FlattenState


def show(request: FlattenRequest) -> None:
    """What became of a request, in the words a trader reads."""
    head = f"flatten {request.request_id} ({request.run_id}) by {request.requested_by}"
    if request.state is FlattenState.PENDING:
        console.print(
            f"{head}: [yellow]pending[/yellow]; no engine has answered yet "
            f"(see it with `freeride flatten --show {request.request_id}`; it expires after a minute)"
        )
        return
    if request.state is FlattenState.EXPIRED:
        console.print(f"{head}: [red]expired[/red]: {request.note}")
        return
    console.print(f"{head}: done at {when(request.done_at)}, {request.cancelled} open orders cancelled")
    for o in request.orders:
        why = f" ({o.reason})" if o.reason else ""
        console.print(f"  {o.side} {o.quantity} {o.symbol} market  {o.client_order_id}  {o.status}{why}")
    if request.note:
        console.print(request.note)


def flatten_command(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    wait: Annotated[
        float, typer.Option("--wait", min=0, max=60, help="Seconds to wait for the engine's answer.")
    ] = 5.0,
    show_id: Annotated[
        str | None, typer.Option("--show", help="Show what became of an earlier request instead.")
    ] = None,
) -> None:
    """Cancel every open order and close every position with market orders (asks first)."""
    settings = load_settings_or_exit()
    try:
        if show_id is not None:
            found = asyncio.run(flatten_request(settings, LiveClock(), show_id))
            if found is None:
                err.print(f"[red]error:[/red] no flatten request {show_id!r}")
                raise typer.Exit(1)
            show(found)
            return
        ledger = settings.execution.run_id()
        if not yes and not typer.confirm(
            f"Cancel every open order and close every position of {ledger} at market?"
        ):
            err.print("nothing was done")
            raise typer.Exit(1)
        show(asyncio.run(flatten(settings, LiveClock(), _who(), wait)))
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    app.command("flatten")(flatten_command)
