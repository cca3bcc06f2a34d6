"""``/api/v1``: orders, fills, positions (stored, per run) and the live accounts with P&L. Read scope.

Every list is about one run: ``?run=<id>`` or, by default, the run this process is doing. Stored
lists are read through a half-second cache (``api.cache``): storage is written in batches anyway.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from freeride.api.deps import state_of
from freeride.api.deps_v1 import READ, Repos, RunId, norm_symbol
from freeride.api.errors import ERROR_RESPONSES
from freeride.api.pages import Page, Paging
from freeride.api.reads import run_fills, run_orders, run_positions
from freeride.api.views import AccountOut, FillOut, OrderOut, PositionOut
from freeride.core.orders import OrderStatus

router = APIRouter(prefix="/api/v1", tags=["trading"], dependencies=READ, responses=ERROR_RESPONSES)
Symbol = Annotated[str | None, Query(max_length=32, description="only this symbol")]


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
    rows = await run_orders(request.app.state.read_cache, repos, run, symbol, status)
    return Page[OrderOut].of([OrderOut.of(o) for o in rows], paging)


@router.get("/fills")
async def fills(
    request: Request, repos: Repos, run: RunId, paging: Paging, symbol: Symbol = None
) -> Page[FillOut]:
    """Fills of the run, newest first."""
    symbol = norm_symbol(symbol) if symbol else None
    rows = await run_fills(request.app.state.read_cache, repos, run, symbol)
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
    rows = await run_positions(request.app.state.read_cache, repos, run, symbol, open_only)
    return Page[PositionOut].of([PositionOut.of(p) for p in rows], paging)


@router.get("/accounts")
async def accounts(request: Request, paging: Paging) -> Page[AccountOut]:
    """The live paper accounts of this process: cash, equity and P&L, now."""
    live = state_of(request).accounts
    rows = [AccountOut.of(name, p) for name, p in sorted(live.items())]
    return Page[AccountOut].of(rows, paging)
