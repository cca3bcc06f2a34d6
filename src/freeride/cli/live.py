"""``freeride live``: the configured strategies trading live, through the configured broker.

Market data comes from the gateway (Yahoo when no provider has a key and the network answers, the
simulator with ``--offline``; the command says which), bars are built from its ticks, and orders
go to ``execution.broker`` (paper by default, filling at the live quotes). A status table shows
last prices, bars built, orders and fills until Ctrl-C or ``--seconds``; then a summary
(``--json``: one JSON object on stdout). ``--serve`` serves the API and dashboard beside it (as
``freeride run`` does) and prints the dashboard URL
with a login token that is revoked when the run stops.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from freeride.api import create_app
from freeride.app.live_runner import run_live
from freeride.app.live_status import LiveStatus, LiveSummary
from freeride.app.market_status import market_states
from freeride.app.serving import Serving
from freeride.cli.serving import announce, serving_settings
from freeride.config.settings import Settings, load_settings
from freeride.core.clock import NS_PER_SECOND, Clock, LiveClock, ScaledClock, datetime_to_ns
from freeride.core.errors import FreerideError, InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.core.market import INTERVAL_SECONDS
from freeride.ops.logging import configure_logging

console = Console(width=None if sys.stdout.isatty() else 120)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 120)
SIMULATED = "prices come from the simulator, not a market"
REFRESH_S = 0.5


def register(app: typer.Typer, *, clock: Callable[[], Clock] = LiveClock) -> None:
    """Add ``freeride live``; ``clock`` makes the clock the live run runs on (tests pass a manual one)."""

    @app.command()
    def live(
        seconds: Annotated[
            float | None, typer.Option("--seconds", help="Stop after N seconds (default: until Ctrl-C).")
        ] = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the summary as one JSON object.")
        ] = False,
        db: Annotated[
            str | None, typer.Option("--db", help="Database URL (overrides FREERIDE_DATABASE_URL).")
        ] = None,
        interval: Annotated[
            str | None,
            typer.Option(help="Bar interval for every feed (overrides each feed's, e.g. 1m)."),
        ] = None,
        serve: Annotated[
            bool,
            typer.Option(
                "--serve", help="Serve the API and dashboard too; prints the URL and a login token."
            ),
        ] = False,
        port: Annotated[
            int | None,
            typer.Option(
                help="Dashboard port with --serve (default FREERIDE_API__PORT, else 8000 or a free one)."
            ),
        ] = None,
        fresh: Annotated[
            bool,
            typer.Option(
                "--fresh", help="Open a new paper account; the old one's orders and fills are kept aside."
            ),
        ] = False,
        always_open: Annotated[
            bool,
            typer.Option(
                "--always-open",
                help="Treat every market as open at every hour (demos): the simulator streams at weekends.",
            ),
        ] = False,
        offline: Annotated[
            bool,
            typer.Option(
                "--offline",
                help="Prices from the simulator whatever keys are set (no network needed for prices).",
            ),
        ] = False,
        speed: Annotated[
            float | None,
            typer.Option(help="Simulated prices only: run the clock N× faster (a market day in minutes)."),
        ] = None,
        start: Annotated[
            str | None,
            typer.Option(
                "--from",
                help="Simulated prices only: start the clock at this UTC time, e.g. 2024-06-03T13:30.",
            ),
        ] = None,
    ) -> None:
        """Trade the configured feeds' symbols live: gateway ticks → bars → strategy → broker."""
        if seconds is not None and seconds <= 0:
            err_console.print("[red]error:[/red] --seconds must be > 0")
            raise typer.Exit(2)
        settings = _settings(db, interval, always_open)
        configure_logging(settings.log.level, settings.log.format)
        clock_for = clock if speed is None and start is None else _scaled(speed, start)
        serving = None
        if serve:
            settings = serving_settings(settings, port)
            serving = Serving(announce=announce, hold=False)
        try:
            summary = asyncio.run(
                _trade(
                    settings,
                    clock_for(),
                    seconds,
                    quiet=as_json,
                    serving=serving,
                    fresh=fresh,
                    simulated_only=clock_for is not clock,
                    offline=offline,
                )
            )
        except FreerideError as exc:
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        if as_json:
            print(json.dumps(summary.to_json()))
        else:
            _print_summary(summary)


def _scaled(speed: float | None, start: str | None) -> Callable[[], Clock]:
    """A clock ``speed`` times faster than the wall's, from ``start`` (for a simulated day)."""
    if speed is not None and not speed > 0:
        err_console.print(f"[red]error:[/red] --speed must be > 0, got {speed:g}")
        raise typer.Exit(2)
    start_ns = None
    if start is not None:
        try:
            start_ns = datetime_to_ns(datetime.fromisoformat(start.strip().replace("Z", "+00:00")))
        except ValueError:
            err_console.print(f"[red]error:[/red] --from {start!r} is not a time; use e.g. 2024-06-03T13:30")
            raise typer.Exit(2) from None
    return lambda: ScaledClock(speed or 1.0, start_ns)


def _settings(db: str | None, interval: str | None, always_open: bool = False) -> Settings:
    overrides: dict[str, Any] = {}
    if db is not None:
        overrides["database_url"] = db
    try:
        settings = load_settings(**overrides)
    except FreerideError as exc:
        err_console.print(f"[red]configuration error[/red]\n{exc}")
        raise typer.Exit(2) from None
    if always_open:
        markets = settings.markets.model_copy(update={"always_open": True})
        settings = settings.model_copy(update={"markets": markets})
    if interval is None:
        return settings
    if interval not in INTERVAL_SECONDS:
        err_console.print(
            f"[red]error:[/red] interval {interval!r} is unknown; use one of {', '.join(INTERVAL_SECONDS)}"
        )
        raise typer.Exit(2)
    run = settings.run
    feeds = [f.model_copy(update={"interval": interval}) for f in run.feeds]
    sleeves = [s.model_copy(update={"interval": interval}) for s in settings.sleeves]
    return settings.model_copy(update={"run": run.model_copy(update={"feeds": feeds}), "sleeves": sleeves})


async def _trade(
    settings: Settings,
    clock: Clock,
    seconds: float | None,
    *,
    quiet: bool,
    serving: Serving | None = None,
    fresh: bool = False,
    simulated_only: bool = False,
    offline: bool = False,
) -> LiveSummary:
    """The live run, with its status drawn until it ends; the first Ctrl-C or SIGTERM stops it
    cleanly (open orders resolved, everything stored, the summary printed), a second forces it."""
    status = LiveStatus()
    job = asyncio.create_task(
        run_live(
            settings,
            clock,
            max_seconds=seconds,
            status=status,
            serve=create_app,
            serving=serving,
            signals=True,
            fresh=fresh,
            simulated_only=simulated_only,
            offline=offline,
        )
    )
    if not quiet:
        await _show(job, status, clock, settings)
    return await job


async def _show(job: asyncio.Task[LiveSummary], status: LiveStatus, clock: Clock, settings: Settings) -> None:
    """Redraw the status every ``REFRESH_S`` of the clock until the live run ends."""
    ready = asyncio.ensure_future(status.ready.wait())
    await asyncio.wait([job, ready], return_when=asyncio.FIRST_COMPLETED)
    ready.cancel()
    if job.done():
        return
    if status.simulated:
        err_console.print(f"[yellow]{SIMULATED}[/yellow]")
    for note in status.notes:
        err_console.print(f"[yellow]note:[/yellow] {note}")
    with Live(_render(status, clock, settings), console=err_console, auto_refresh=False) as view:
        while not job.done():
            tick = asyncio.ensure_future(clock.sleep(REFRESH_S))
            await asyncio.wait([job, tick], return_when=asyncio.FIRST_COMPLETED)
            tick.cancel()
            view.update(_render(status, clock, settings), refresh=True)


def _render(status: LiveStatus, clock: Clock, settings: Settings) -> Group:
    elapsed = (clock.now_ns() - status.started_ns) / NS_PER_SECOND
    head = Text.from_markup(
        f"[bold]{status.run_id}[/bold]  broker [bold]{status.broker}[/bold]  "
        f"{'[yellow]simulated prices[/yellow]' if status.simulated else 'live prices'}  {elapsed:,.0f} s"
    )
    table = Table(show_edge=False)
    for name in ("symbol", "last", "bid", "ask", "bars", "last bar close"):
        table.add_column(name, justify="left" if name == "symbol" else "right", no_wrap=True)
    table.add_column("market", justify="left")
    rows = _rows(settings, status.streamed)
    markets = _market_messages(status, clock, [symbol for symbol, _ in rows])
    for symbol, interval in rows:
        last = status.prices.get(symbol)
        bar = None if interval is None else status.last_bars.get((symbol, interval))
        table.add_row(
            symbol if interval is None else f"{symbol} {interval}",
            "" if last is None else f"{last.price:,.6g}",
            "" if last is None or last.bid is None else f"{last.bid:,.6g}",
            "" if last is None or last.ask is None else f"{last.ask:,.6g}",
            "" if interval is None else f"{status.bars.get((symbol, interval), 0):,}",
            "" if bar is None else f"{bar.close:,.6g}",
            markets.get(symbol, ""),
        )
    fills = status.fills
    last_fill = (
        f"  last: {fills[-1].side.value} {fills[-1].quantity} {fills[-1].symbol} @ {fills[-1].price}"
        if fills
        else ""
    )
    foot = Text(
        f"signals {status.signals:,}  orders {len(status.orders):,}  fills {len(fills):,}{last_fill}"
        "  (Ctrl-C stops)"
    )
    return Group(head, table, foot)


def _rows(settings: Settings, streamed: list[str] | None = None) -> list[tuple[str, str | None]]:
    """The status table's rows: each trading sleeve (symbol and bar interval), then each
    watch-only symbol (no bars of its own): the settings' watchlists, then what the service
    streams besides (stored watchlists, alerts' symbols), as it adds them."""
    rows: list[tuple[str, str | None]] = [(s.symbol, s.interval) for s in settings.trading_sleeves()]
    traded = {symbol for symbol, _ in rows}
    watched = dict.fromkeys([*settings.watched_symbols(), *(streamed or [])])
    rows.extend((symbol, None) for symbol in watched if symbol not in traded)
    return rows


def _market_messages(status: LiveStatus, clock: Clock, symbols: list[str]) -> dict[str, str]:
    """Per symbol: "open until 16:00 EST (21:00 UTC)" or "closed until …", coloured."""
    if status.hours is None:
        return {}
    instruments = []
    for symbol in dict.fromkeys(symbols):
        try:
            instruments.append(parse_instrument(symbol))
        except InvalidInput:
            continue  # refused where it is streamed, and said so there
    out = {}
    for state in market_states(status.hours, instruments, clock.now_ns()):
        colour = "green" if state.is_open else "yellow"
        out[state.symbol] = f"[{colour}]{state.message}[/{colour}]"
    return out


def _print_summary(summary: LiveSummary) -> None:
    table = Table(title=f"Live run {summary.run_id}  ·  {summary.database}", title_justify="left")
    for name in ("broker", "seconds", "bars", "signals", "orders", "fills", "P&L", "equity"):
        table.add_column(name, justify="left" if name == "broker" else "right", no_wrap=True)
    pnl = "" if summary.pnl is None else f"{summary.pnl:+,.2f}"
    colour = "green" if summary.pnl is None or summary.pnl >= 0 else "red"
    table.add_row(
        summary.broker + (" (simulated prices)" if summary.simulated else ""),
        f"{summary.seconds:,.0f}",
        f"{summary.bars:,}",
        f"{summary.signals:,}",
        f"{summary.orders:,}",
        f"{summary.fills:,}",
        f"[{colour}]{pnl}[/{colour}]",
        "" if summary.equity is None else f"{summary.equity:,.2f} {summary.currency or ''}",
    )
    console.print(table)
    held = ", ".join(f"{s} {q}" for s, q in summary.positions.items()) or "none"
    console.print(
        f"positions: {held}. Orders and fills are stored under run id {summary.ledger_run_id} "
        f"(freeride orders --run {summary.ledger_run_id}); stopped by {summary.stopped_by}."
    )
