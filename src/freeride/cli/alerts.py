"""``freeride alerts add|list|rm|test``: manage alert rules from the shell.

Rules are stored in the database; a running ``freeride run`` picks changes up within
``alerts.sync_interval_s``. Examples:

    freeride alerts add AAPL above 200 --notify discord
    freeride alerts add EUR/USD crosses 1.1 --repeat --cooldown 15m
    freeride alerts add TSLA move_down 5 --window 1h
    freeride alerts add AAPL rsi_below 30 --interval 1d
    freeride alerts add GOOG sma_cross_up --interval 1d --fast 10 --slow 30
    freeride alerts add AAPL webhook --match buy
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, TypeVar

import msgspec
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from freeride.alerts.service import AlertService, RuleInvalid
from freeride.app.alerts import checked_alert_service, send_test
from freeride.app.database import open_database
from freeride.app.symbol_lookups import symbol_lookups
from freeride.app.symbols import with_suggestions
from freeride.cli.orders import load_settings_or_exit
from freeride.config.settings import Settings
from freeride.core.alerts import ANY_SYMBOL, RSI_KINDS, SMA_KINDS, AlertKind, AlertRule, QuietHours
from freeride.core.clock import LiveClock, datetime_to_ns, ns_to_datetime
from freeride.core.errors import FreerideError, InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.ports.alerts import StoredAlert

console = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)
T = TypeVar("T")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw]?)$")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}


def duration_s(text: str, option: str) -> float:
    """``90``, ``90s``, ``15m``, ``1h``, ``2d`` → seconds."""
    match = _DURATION.match(text.strip().lower())
    if match is None:
        raise InvalidInput(f"{option}: {text!r} is not a duration; use e.g. 90s, 15m, 1h or 2d")
    return float(match.group(1)) * _UNIT_S[match.group(2)]


def _with_service(settings: Settings, work: Callable[[AlertService], Awaitable[T]]) -> T:
    async def main() -> T:
        async with open_database(settings.database_url) as db, symbol_lookups(settings) as lookups:
            return await work(checked_alert_service(settings, db, LiveClock(), lookups=lookups))

    try:
        return asyncio.run(main())
    except RuleInvalid as exc:
        for field, what in exc.problems:
            err.print(f"[red]error:[/red] {escape(f'{field}: {what}')}")
        raise typer.Exit(2) from None
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None


def build_rule(
    symbol: str,
    kind: str,
    value: float | None,
    *,
    window: str | None = None,
    interval: str | None = None,
    period: int | None = None,
    fast: int | None = None,
    slow: int | None = None,
    match: str | None = None,
    repeat: bool = False,
    cooldown: str = "0",
    expires: str | None = None,
    user: str = "default",
    tags: list[str] | None = None,
    notify: list[str] | None = None,
    quiet: str | None = None,
    message: str | None = None,
) -> AlertRule:
    """A rule from command-line words; ``InvalidInput`` naming the option at fault."""
    try:
        alert_kind = AlertKind(kind.lower())
    except ValueError:
        raise InvalidInput(
            f"kind {kind!r} is unknown; use one of {', '.join(k.value for k in AlertKind)}"
        ) from None
    try:
        sym = ANY_SYMBOL if symbol == ANY_SYMBOL else parse_instrument(symbol).symbol
    except InvalidInput as exc:
        raise InvalidInput(with_suggestions(symbol, str(exc))) from None
    quiet_hours = None
    if quiet is not None:
        start, sep, end = quiet.partition("-")
        if not sep:
            raise InvalidInput(f"--quiet: {quiet!r} is not a span; use e.g. 22:00-07:00")
        quiet_hours = QuietHours(start=start.strip(), end=end.strip())
    expires_at = None
    if expires is not None:
        try:
            expires_at = datetime_to_ns(datetime.fromisoformat(expires))
        except ValueError:
            expires_at = LiveClock().now_ns() + int(duration_s(expires, "--expires") * 1e9)
    return AlertRule(
        id="",
        symbol=sym,
        kind=alert_kind,
        threshold=value,
        window_s=None if window is None else int(duration_s(window, "--window")),
        interval=interval,
        period=period if period is not None else (14 if alert_kind in RSI_KINDS else None),
        fast=fast if fast is not None else (10 if alert_kind in SMA_KINDS else None),
        slow=slow if slow is not None else (30 if alert_kind in SMA_KINDS else None),
        match=match,
        repeat=repeat,
        cooldown_s=duration_s(cooldown, "--cooldown"),
        expires_at=expires_at,
        user=user,
        tags=tuple(tags or ()),
        notify=tuple(notify or ()),
        quiet=quiet_hours,
        message=message,
    )


def _row(stored: StoredAlert) -> list[str]:
    rule, state = stored.rule, stored.state
    status = "active" if state.active else "done"
    if state.active and state.cooldown_until > LiveClock().now_ns():
        status = f"cooling until {ns_to_datetime(state.cooldown_until):%H:%M:%S}"
    last = "" if state.last_fired_at is None else f"{ns_to_datetime(state.last_fired_at):%Y-%m-%d %H:%M:%S}"
    return [
        rule.id,
        rule.describe(),
        status,
        str(state.fired_count),
        last,
        ",".join(rule.notify),
        ",".join(rule.tags),
    ]


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Alert rules: add, list, remove, test a channel.", no_args_is_help=True)
    app.add_typer(group, name="alerts")

    @group.command("add")
    def add(
        symbol: Annotated[str, typer.Argument(help="AAPL, EUR/USD, or * (webhook alerts only)")],
        kind: Annotated[str, typer.Argument(help=", ".join(k.value for k in AlertKind))],
        value: Annotated[float | None, typer.Argument(help="price, percent or RSI level")] = None,
        window: Annotated[str | None, typer.Option(help="move_*: window, e.g. 1h")] = None,
        interval: Annotated[str | None, typer.Option(help="rsi_*/sma_*: bar interval, e.g. 1d")] = None,
        period: Annotated[int | None, typer.Option(help="rsi_*: RSI period (14)")] = None,
        fast: Annotated[int | None, typer.Option(help="sma_*: fast window (10)")] = None,
        slow: Annotated[int | None, typer.Option(help="sma_*: slow window (30)")] = None,
        match: Annotated[str | None, typer.Option(help="webhook: text the alert must contain")] = None,
        repeat: Annotated[bool, typer.Option("--repeat/--once", help="re-arm after the cooldown")] = False,
        cooldown: Annotated[str, typer.Option(help="pause before re-arming, e.g. 15m")] = "0",
        expires: Annotated[str | None, typer.Option(help="ISO time or duration from now, e.g. 7d")] = None,
        user: Annotated[str, typer.Option(help="owner, for grouping")] = "default",
        tag: Annotated[list[str] | None, typer.Option(help="tag (repeatable)")] = None,
        notify: Annotated[list[str] | None, typer.Option(help="channel (repeatable), e.g. discord")] = None,
        quiet: Annotated[str | None, typer.Option(help="quiet hours UTC, e.g. 22:00-07:00")] = None,
        message: Annotated[str | None, typer.Option(help="text added to the notification")] = None,
    ) -> None:
        """Add an alert rule."""
        settings = load_settings_or_exit()
        try:
            rule = build_rule(
                symbol, kind, value, window=window, interval=interval, period=period, fast=fast, slow=slow,
                match=match, repeat=repeat, cooldown=cooldown, expires=expires, user=user, tags=tag,
                notify=notify, quiet=quiet, message=message,
            )  # fmt: skip
        except InvalidInput as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        stored = _with_service(settings, lambda s: s.create(rule))
        console.print(f"added {stored.rule.id}: {stored.rule.describe()}")

    @group.command("list")
    def list_(
        user: Annotated[str | None, typer.Option(help="only this user's")] = None,
        tag: Annotated[str | None, typer.Option(help="only with this tag")] = None,
        all_: Annotated[bool, typer.Option("--all", help="include fired and expired rules")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="one JSON object per rule")] = False,
    ) -> None:
        """List alert rules."""
        settings = load_settings_or_exit()
        rows = _with_service(settings, lambda s: s.find(user=user, tag=tag, active=None if all_ else True))
        if as_json:
            for stored in rows:
                print(json.dumps(msgspec.to_builtins(stored)))
            return
        table = Table(title=f"{len(rows)} alert(s)", title_justify="left")
        for name in ("id", "rule", "status", "fired", "last fired (UTC)", "notify", "tags"):
            table.add_column(name)
        for stored in rows:
            table.add_row(*_row(stored))
        console.print(table)

    @group.command("rm")
    def rm(
        ids: Annotated[list[str] | None, typer.Argument(help="alert ids")] = None,
        user: Annotated[str | None, typer.Option(help="every rule of this user")] = None,
        tag: Annotated[str | None, typer.Option(help="every rule with this tag")] = None,
    ) -> None:
        """Remove alert rules by id, or all of a user or tag."""
        settings = load_settings_or_exit()
        if not ids and user is None and tag is None:
            err.print("[red]error:[/red] name alert ids, or --user / --tag")
            raise typer.Exit(2)

        async def work(service: AlertService) -> list[str]:
            missing = [i for i in ids or () if not await service.remove(i)]
            if user is not None or tag is not None:
                console.print(f"removed {await service.remove_where(user=user, tag=tag)} by user/tag")
            return missing

        missing = _with_service(settings, work)
        removed = len(ids or ()) - len(missing)
        if ids:
            console.print(f"removed {removed} of {len(ids)}")
        if missing:
            err.print(f"[red]error:[/red] no alert with id {', '.join(missing)}")
            raise typer.Exit(1)

    @group.command("test")
    def test(
        channel: Annotated[str | None, typer.Argument(help="channel name (default: the first)")] = None,
    ) -> None:
        """Send a test notification to a channel, straight away."""
        settings = load_settings_or_exit()
        name = channel or (settings.alerts.default_notify or settings.notify.channels or [""])[0]
        try:
            console.print(asyncio.run(send_test(settings, LiveClock(), name)))
        except FreerideError as exc:
            err.print(f"[red]failed:[/red] {exc}")
            raise typer.Exit(1) from None
