"""``freeride notify status|enable``: see which notification channels work, re-enable a disabled one.

The relay disables a channel whose receiver said the credentials are bad or the webhook is gone,
and remembers it in the database, so a restart does not hammer the dead target again. Its
messages stay in the outbox. Fix the target (a new webhook URL re-enables the channel at the next
start by itself) or, when the receiver was fixed in place, ``freeride notify enable <channel>``:
a running engine delivers again within ``recheck_s`` (30 s), a later start at once.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from freeride.app.notify import RECHECK_S, ChannelStatus, channel_status, enable_channel
from freeride.cli.orders import load_settings_or_exit, when
from freeride.core.clock import LiveClock
from freeride.core.errors import FreerideError

console = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)


def _state(row: ChannelStatus) -> str:
    if row.disabled is None:
        return "[green]enabled[/green]" if row.kind else ""
    text = f"[red]disabled[/red]: {row.disabled.reason}"
    if row.target_changed:
        text += " [yellow](target changed: re-enabled at the next start)[/yellow]"
    return text


def _json(row: ChannelStatus) -> dict[str, object]:
    disabled = row.disabled
    return {
        "channel": row.channel,
        "kind": row.kind or None,
        "enabled": disabled is None,
        "reason": None if disabled is None else disabled.reason,
        "disabled_at": None if disabled is None else disabled.disabled_at,
        "target_changed": row.target_changed,
        "pending": row.pending,
        "dead": row.dead,
    }


def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per channel.")] = False,
) -> None:
    """Each channel: kind, enabled or disabled (why, since when), pending and dead outbox items."""
    settings = load_settings_or_exit()
    try:
        rows = asyncio.run(channel_status(settings, LiveClock()))
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    if as_json:
        for row in rows:
            print(json.dumps(_json(row)))
        return
    if not rows:
        console.print("no notification channels configured (set FREERIDE_NOTIFY__DISCORD or __WEBHOOKS)")
        return
    table = Table(title="notification channels", title_justify="left")
    for column in ("channel", "kind", "state", "since (UTC)", "pending", "dead"):
        table.add_column(column)
    for row in rows:
        since = "" if row.disabled is None else when(row.disabled.disabled_at)
        kind = row.kind or "[dim]not configured[/dim]"
        table.add_row(row.channel, kind, _state(row), since, str(row.pending), str(row.dead))
    console.print(table)


def enable(
    channel: Annotated[str, typer.Argument(help="The channel name, as `notify status` shows it.")],
) -> None:
    """Re-enable a disabled channel: its pending messages are delivered again."""
    settings = load_settings_or_exit()
    try:
        was = asyncio.run(enable_channel(settings, channel))
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    if was is None:
        if channel in settings.notify.channels:
            console.print(f"channel {channel!r} is not disabled")
            return
        known = ", ".join(settings.notify.channels) or "none configured"
        err.print(f"[red]error:[/red] no disabled channel named {channel!r}; channels: {known}")
        raise typer.Exit(1)
    console.print(
        f"channel {channel!r} enabled (was disabled since {when(was.disabled_at)} UTC: {was.reason}); "
        f"a running engine delivers its pending messages within {RECHECK_S:g} s, a later start at once"
    )


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Notification channels: status, re-enable.", no_args_is_help=True)
    group.command("status")(status)
    group.command("enable")(enable)
    app.add_typer(group, name="notify")
