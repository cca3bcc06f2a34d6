"""The reads the REST routes and the Discord commands share: one copy of each query and rule.

A route and a slash command asking the same question (the last price of a symbol, a run's orders
or positions) call the same function here, over the same state and the same short read cache, so
the two can never drift apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from typing import Any

from freeride.api.cache import ReadCache
from freeride.api.views import QuoteOut
from freeride.app.api import ApiState
from freeride.app.live import LiveViews
from freeride.core.errors import FreerideError
from freeride.core.orders import Fill, Order, OrderStatus, Position, Side, Signal
from freeride.core.snapshot import Snapshot
from freeride.exchange.portfolio import Portfolio
from freeride.gateway.service import MarketDataGateway
from freeride.storage.repositories import Repositories


async def last_prices(state: ApiState, wanted: list[str]) -> tuple[list[QuoteOut], list[str]]:
    """The last price of each symbol as the bus saw it (a quote's mid, else the last bar's close);
    with a gateway in this process, symbols the bus has not priced yet are asked of it.
    Returns the prices found in the order asked and the symbols nobody could price."""
    prices = state.live.prices if state.live is not None else {}
    found = {s: QuoteOut.of(prices[s]) for s in wanted if s in prices}
    gateway = state.gateway
    unpriced = [s for s in wanted if s not in found]
    if gateway is not None and unpriced:
        answers = await asyncio.gather(*(_snapshot(gateway, s) for s in unpriced))
        found.update(
            {s: QuoteOut.of_snapshot(s, snap) for s, snap in zip(unpriced, answers, strict=True) if snap}
        )
    return [found[s] for s in wanted if s in found], [s for s in wanted if s not in found]


async def _snapshot(gateway: MarketDataGateway, symbol: str) -> Snapshot | None:
    """The gateway's price for ``symbol``, or ``None`` when no provider could answer."""
    try:
        return await gateway.latest(symbol)
    except FreerideError:
        return None


async def cached(cache: ReadCache, key: tuple[str | None, ...], load: Callable[[], Awaitable[Any]]) -> Any:
    return await cache.get(key, load)


async def run_orders(
    cache: ReadCache, repos: Repositories, run: str, symbol: str | None, status: OrderStatus | None
) -> list[Order]:
    """The run's orders, newest first, of one symbol and status when given."""
    rows = [
        o
        for o in await cached(cache, ("orders", run), lambda: repos.orders.list_by_run(run))
        if (symbol is None or o.symbol == symbol) and (status is None or o.status is status)
    ]
    rows.sort(key=lambda o: o.ts_event, reverse=True)
    return rows


async def run_positions(
    cache: ReadCache, repos: Repositories, run: str, symbol: str | None, open_only: bool
) -> list[Position]:
    """The run's positions as last recorded; only non-zero ones with ``open_only``."""
    return [
        p
        for p in await cached(cache, ("positions", run), lambda: repos.positions.list_by_run(run))
        if (symbol is None or p.symbol == symbol) and (not open_only or p.quantity != 0)
    ]


async def run_fills(cache: ReadCache, repos: Repositories, run: str, symbol: str | None) -> list[Fill]:
    """The run's fills, newest first."""
    rows = await cached(cache, ("fills", run, symbol), lambda: repos.fills.list_by_run(run, symbol))
    return sorted(rows, key=lambda f: f.ts_event, reverse=True)


def recent_signals(live: LiveViews, symbol: str | None, strategy: str | None) -> list[Signal]:
    """Signals kept in memory, newest first, of one symbol and strategy when given."""
    return [
        s
        for s in reversed(live.signals)
        if (symbol is None or s.symbol == symbol) and (strategy is None or s.strategy == strategy)
    ]


def realized_since(fills: Iterable[Fill], since_ns: int) -> dict[str, Decimal]:
    """Realised P&L net of commission per symbol, of what was closed at or after ``since_ns``.

    The fills are booked in time order through the paper account's own arithmetic
    (``exchange.portfolio``), so the figure is the one the account itself would show.
    """
    book = Portfolio(cash=Decimal(0), currency="")
    before: dict[str, Decimal] = {}
    for f in sorted(fills, key=lambda f: f.ts_event):
        held = book.holding(f.symbol)
        if f.ts_event < since_ns:
            book.book_fill(f.symbol, f.quantity if f.side is Side.BUY else -f.quantity, f.price, f.commission)
            before[f.symbol] = held.realized_pnl - held.commission
            continue
        book.book_fill(f.symbol, f.quantity if f.side is Side.BUY else -f.quantity, f.price, f.commission)
    out: dict[str, Decimal] = {}
    for symbol in sorted({f.symbol for f in fills}):
        held = book.holding(symbol)
        out[symbol] = held.realized_pnl - held.commission - before.get(symbol, Decimal(0))
    return out
