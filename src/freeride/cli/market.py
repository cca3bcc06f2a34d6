"""``freeride quote``, ``freeride history`` and ``freeride providers``: market data from the shell."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from freeride.app.bars_file import write_bars
from freeride.app.gateway import MarketDataSetup, build_market_data
from freeride.bus.memory import InMemoryBus
from freeride.cli.orders import load_settings_or_exit
from freeride.config.settings import KNOWN_PROVIDERS, PROVIDERS_NEEDING_KEYS, Settings
from freeride.core.clock import LiveClock, datetime_to_ns, ns_to_datetime
from freeride.core.errors import FreerideError
from freeride.core.market import INTERVAL_SECONDS, Bar
from freeride.core.snapshot import Snapshot

console = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)
SIMULATED = "no market-data provider is usable (no API keys): prices come from the simulator, not a market"


def _setup(settings: Settings) -> MarketDataSetup:
    clock = LiveClock()
    setup = build_market_data(settings, InMemoryBus(clock), clock)
    for note in setup.notes:
        err.print(f"[yellow]note:[/yellow] {note}")
    if setup.simulated:
        err.print(f"[yellow]{SIMULATED}[/yellow]")
    return setup


def _age(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3_600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86_400:
        return f"{seconds / 3_600:.1f} h"
    return f"{seconds / 86_400:.1f} d"


def _quote_row(snap: Snapshot, now_ns: int) -> list[str]:
    change = "" if snap.change is None else f"{snap.change:+,.4g} ({snap.change_pct or 0:+.2f}%)"
    colour = "green" if (snap.change or 0) >= 0 else "red"
    bid_ask = "" if snap.bid is None or snap.ask is None else f"{snap.bid:,.6g} / {snap.ask:,.6g}"
    age = _age(snap.age_ns(now_ns) / 1e9)
    return [snap.symbol, f"{snap.price:,.6g}", f"[{colour}]{change}[/{colour}]", bid_ask, snap.provider, age]


async def _quotes(setup: MarketDataSetup, symbols: list[str]) -> list[Snapshot | FreerideError]:
    async def one(symbol: str) -> Snapshot | FreerideError:
        try:
            return await setup.gateway.latest(symbol)
        except FreerideError as exc:
            return exc

    try:
        return list(await asyncio.gather(*(one(s) for s in symbols)))
    finally:
        await setup.gateway.stop()


def quote(
    symbols: Annotated[list[str], typer.Argument(help="Tickers (AAPL) and pairs (EUR/USD).")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per symbol.")] = False,
) -> None:
    """The latest price of each symbol, with the provider that answered and how old it is."""
    setup = _setup(load_settings_or_exit())
    results = asyncio.run(_quotes(setup, symbols))
    now = LiveClock().now_ns()
    failed = False
    table = Table(title="Quotes" + (" (simulated)" if setup.simulated else ""), title_justify="left")
    for name in ("symbol", "price", "change", "bid / ask", "provider", "age"):
        table.add_column(name, justify="left" if name in ("symbol", "provider") else "right")
    for symbol, result in zip(symbols, results, strict=True):
        if isinstance(result, FreerideError):
            failed = True
            table.add_row(symbol, "[red]error[/red]", "", "", "", "")
            err.print(f"[red]{symbol}:[/red] {result}")
        elif as_json:
            print(
                json.dumps(
                    {
                        "symbol": result.symbol,
                        "price": result.price,
                        "change": result.change,
                        "bid": result.bid,
                        "ask": result.ask,
                        "provider": result.provider,
                        "age_s": result.age_ns(now) / 1e9,
                        "simulated": setup.simulated,
                    }
                )
            )
        else:
            table.add_row(*_quote_row(result, now))
    if not as_json:
        console.print(table)
    if failed:
        raise typer.Exit(1)


def _day(text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date like 2024-01-31") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def history(
    symbol: Annotated[str, typer.Argument(help="A ticker (GOOG) or a pair (EUR/USD).")],
    interval: Annotated[str, typer.Option(help=f"Bar length: {', '.join(INTERVAL_SECONDS)}.")] = "1d",
    start: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD (default: 100 days ago).")] = None,
    end: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD, included (default: today).")] = None,
    out: Annotated[Path | None, typer.Option(help="File to write, .csv or .parquet.")] = None,
) -> None:
    """Fetch bars through the provider chain and save them as CSV or Parquet."""
    if interval not in INTERVAL_SECONDS:
        raise typer.BadParameter(f"interval {interval!r}: use one of {', '.join(INTERVAL_SECONDS)}")
    today = ns_to_datetime(LiveClock().now_ns()).replace(hour=0, minute=0, second=0, microsecond=0)
    first = _day(start) if start else today - timedelta(days=100)
    last = (_day(end) if end else today) + timedelta(days=1)
    path = out or Path(f"{symbol.replace('/', '')}_{interval}.csv")
    setup = _setup(load_settings_or_exit())

    async def fetch() -> list[Bar]:
        try:
            return await setup.gateway.bars(symbol, interval, datetime_to_ns(first), datetime_to_ns(last))
        finally:
            await setup.gateway.stop()

    try:
        bars = asyncio.run(fetch())
        write_bars(path, bars)
    except FreerideError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    who = setup.gateway.last_provider or "cache"
    note = " (simulated)" if setup.simulated else ""
    console.print(f"{len(bars):,} {interval} bars of {symbol.upper()} from {who}{note} saved to {path}")


def providers() -> None:
    """Each provider: enabled, key present, place in the chain, circuit state, quota left."""
    settings = load_settings_or_exit()
    setup = _setup(settings)
    status = {s.name: s for s in setup.gateway.status()}
    table = Table(title="Market-data providers (this process's view)", title_justify="left")
    for name in ("provider", "enabled", "key", "in chain", "circuit", "quota left", "last error"):
        table.add_column(name)
    for name in KNOWN_PROVIDERS:
        s = status.get(name)
        key = (
            "not needed"
            if name not in PROVIDERS_NEEDING_KEYS
            else ("yes" if setup.keys.get(name) else "[red]no[/red]")
        )
        quota = ", ".join(f"{left} of {label}" for label, left in s.quota_left.items()) if s else ""
        table.add_row(
            name,
            "yes" if name in settings.providers.enabled else "no",
            key,
            "yes" if s else "no",
            s.circuit if s else "",
            quota or ("unlimited" if s else ""),
            s.last_error if s else "",
        )
    console.print(table)
    asyncio.run(setup.gateway.stop())


def register(app: typer.Typer) -> None:
    app.command()(quote)
    app.command()(history)
    app.command()(providers)
