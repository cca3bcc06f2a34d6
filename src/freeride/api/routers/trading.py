"""``/api/v1``: orders, fills, positions (stored, per run) and the live accounts with P&L. Read scope.

Every list is about one run: ``?run=<id>`` or, by default, the run this process is doing. Stored
lists are read through a half-second cache (``api.cache``): storage is written in batches anyway.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from freeride.api.cache import ReadCache
from freeride.api.deps import state_of
from freeride.api.deps_v1 import READ, Repos, RunId, norm_symbol
from freeride.api.errors import ERROR_RESPONSES
from freeride.api.pages import Page, Paging
from freeride.api.views import AccountOut, FillOut, OrderOut, PositionOut
from freeride.core.orders import OrderStatus

router = APIRouter(prefix="/api/v1", tags=["trading"], dependencies=READ, responses=ERROR_RESPONSES)
Symbol = Annotated[str | None, Query(max_length=32, description="only this symbol")]


async def _cached(request: Request, key: tuple[str | None, ...], load: Callable[[], Awaitable[Any]]) -> Any:
    cache: ReadCache = request.app.state.read_cache
    return await cache.get(key, load)


@router.get("/orders")
async def orders(
    request: Request,
    repos: Repos,
    run: RunId,
    paging: Paging,
    symbol: Symbol = None,
    status: OrderStatus | None = None,
) -> Page[OrderOut]:
    """Orders of the run, newest first."""
    symbol = norm_symbol(symbol) if symbol else None
    rows = [
        o
        for o in await _cached(request, ("orders", run), lambda: repos.orders.list_by_run(run))
        if (symbol is None or o.symbol == symbol) and (status is None or o.status is status)
    ]
    rows.sort(key=lambda o: o.ts_event, reverse=True)
    return Page[OrderOut].of([OrderOut.of(o) for o in rows], paging)


@router.get("/fills")
async def fills(
    request: Request, repos: Repos, run: RunId, paging: Paging, symbol: Symbol = None
) -> Page[FillOut]:
    """Fills of the run, newest first."""
    symbol = norm_symbol(symbol) if symbol else None
    rows = sorted(
        await _cached(request, ("fills", run, symbol), lambda: repos.fills.list_by_run(run, symbol)),
        key=lambda f: f.ts_event,
        reverse=True,
    )
    return Page[FillOut].of([FillOut.of(f) for f in rows], paging)


@router.get("/positions")
async def positions(
    request: Request,
    repos: Repos,
    run: RunId,
    paging: Paging,
    symbol: Symbol = None,
    open_only: Annotated[bool, Query(alias="open", description="only non-zero positions")] = False,
) -> Page[PositionOut]:
    """Positions of the run as last recorded."""
    symbol = norm_symbol(symbol) if symbol else None
    rows = [
        p
        for p in await _cached(request, ("positions", run), lambda: repos.positions.list_by_run(run))
        if (symbol is None or p.symbol == symbol) and (not open_only or p.quantity != 0)
    ]
    return Page[PositionOut].of([PositionOut.of(p) for p in rows], paging)


@router.get("/accounts")
async def accounts(request: Request, paging: Paging) -> Page[AccountOut]:
    """The live paper accounts of this process: cash, equity and P&L, now."""
    live = state_of(request).accounts
    rows = [AccountOut.of(name, p) for name, p in sorted(live.items())]
    return Page[AccountOut].of(rows, paging)
