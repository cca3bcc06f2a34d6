"""``/api/v1``: orders, fills, positions (stored, per run), the live accounts with P&L and the stored
equity curve. Read scope.

Every list is about one run: ``?run=<id>`` or, by default, the run this process is doing. Stored
lists are read through a half-second cache (``api.cache``): storage is written in batches anyway.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from freeride.api.deps import state_of
from freeride.api.deps_v1 import READ, RUN_ID_PATTERN, Repos, RunId, norm_symbol
from freeride.api.errors import ERROR_RESPONSES, ApiError
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
    return await Page[OrderOut].converted(rows, paging, OrderOut.of)


@router.get("/fills")
async def fills(
    request: Request, repos: Repos, run: RunId, paging: Paging, symbol: Symbol = None
) -> Page[FillOut]:
    """Fills of the run, newest first."""
    symbol = norm_symbol(symbol) if symbol else None
    rows = await run_fills(request.app.state.read_cache, repos, run, symbol)
    return await Page[FillOut].converted(rows, paging, FillOut.of)


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
    return await Page[PositionOut].converted(rows, paging, PositionOut.of)


@router.get("/accounts")
async def accounts(request: Request, paging: Paging) -> Page[AccountOut]:
    """The live paper accounts of this process: cash, equity and P&L, now."""
    live = state_of(request).accounts
    rows = [AccountOut.of(name, p) for name, p in sorted(live.items())]
    return Page[AccountOut].of(rows, paging)


class EquityPointOut(BaseModel):
    account: str
    currency: str
    cash: str
    equity: str
    ts_event: int


class EquityOut(BaseModel):
    """An equity curve per account, oldest first, thinned to about ``points`` marks each."""

    items: list[EquityPointOut]
    run: str | None = Field(
        description="the run the marks are of; null: every live run (the account goes on)"
    )


@router.get("/equity")
async def equity(
    request: Request,
    repos: Repos,
    run: Annotated[
        str | None,
        Query(pattern=RUN_ID_PATTERN, description="a run id; default: this process's accounts"),
    ] = None,
    points: Annotated[int, Query(ge=2, le=5_000, description="marks per account at most (about)")] = 1_000,
) -> EquityOut:
    """Stored equity marks (cash and equity per account over market time): a replay's of its
    run; a live service's of every live run, since its paper account goes on across restarts."""
    state = state_of(request)
    if run is None and state.equity_runs is not None:
        marks = await repos.equity.history(run_name=state.equity_runs, points=points)
    else:
        chosen = run or state.run_id
        if chosen is None:
            raise ApiError(404, "this process is not doing a run: name one with ?run=<run id>")
        marks = await repos.equity.history(run_id=chosen, points=points)
        run = chosen
    items = [
        EquityPointOut(
            account=m.account,
            currency=m.currency,
            cash=str(m.cash),
            equity=str(m.equity),
            ts_event=m.ts_event,
        )
        for m in marks
    ]
    return EquityOut(items=items, run=run)
