"""``GET /api/v1/markets``: whether each streamed instrument's market is open, and until when.

So a dashboard can tell a closed market from a stalled feed: a live run answers for the symbols
it streams (or those asked for with ``symbols=``) from its market hours; a process that follows
none (a replay) answers ``followed: false`` with no markets. Read scope.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from freeride.api.deps import state_of
from freeride.api.deps_v1 import READ, norm_symbol
from freeride.api.errors import ERROR_RESPONSES, ApiError
from freeride.app.market_status import MarketState, market_states
from freeride.core.clock import ns_to_datetime
from freeride.core.errors import InvalidInput
from freeride.core.instruments import parse_instrument

router = APIRouter(prefix="/api/v1", tags=["market"], dependencies=READ, responses=ERROR_RESPONSES)

MAX_SYMBOLS = 50


class MarketOut(BaseModel):
    symbol: str
    calendar: str
    timezone: str
    status: str  # "open" or "closed"
    message: str  # "closed until Mon 7 Dec 09:30 EST (14:30 UTC)"
    next_open_ns: int | None
    next_open: str | None  # ISO 8601, UTC
    next_close_ns: int | None
    next_close: str | None
    early_close: bool

    @classmethod
    def of(cls, state: MarketState) -> MarketOut:
        return cls(
            symbol=state.symbol,
            calendar=state.calendar,
            timezone=state.timezone,
            status=state.status,
            message=state.message,
            next_open_ns=state.next_open_ns,
            next_open=_iso(state.next_open_ns),
            next_close_ns=state.next_close_ns,
            next_close=_iso(state.next_close_ns),
            early_close=state.early_close,
        )


class MarketsOut(BaseModel):
    followed: bool  # false: this process follows no market hours (a replay)
    always_open: bool
    ts: int  # the time the answer is for, ns UTC
    markets: list[MarketOut]


def _iso(ts_ns: int | None) -> str | None:
    return None if ts_ns is None else ns_to_datetime(ts_ns).isoformat().replace("+00:00", "Z")


@router.get("/markets")
async def markets(
    request: Request,
    symbols: Annotated[
        str | None, Query(max_length=800, description="comma-separated; default: the streamed symbols")
    ] = None,
) -> MarketsOut:
    """Each market's state now: open or closed, the next open and close, whether today closes early."""
    state = state_of(request)
    now = state.clock.now_ns()
    hours = state.hours
    if hours is None:
        return MarketsOut(followed=False, always_open=False, ts=now, markets=[])
    instruments = list(state.market_instruments)
    if symbols is not None:
        wanted = list(
            dict.fromkeys(norm_symbol(s.strip(), "symbols") for s in symbols.split(",") if s.strip())
        )
        if not wanted or len(wanted) > MAX_SYMBOLS:
            raise ApiError(
                422, f"symbols: give 1 to {MAX_SYMBOLS} symbols", fields=[("symbols", "1-50 symbols")]
            )
        instruments = [parse_instrument(s) for s in wanted]
    try:
        found = market_states(hours, instruments, now)
    except InvalidInput as exc:
        raise ApiError(422, f"symbols: {exc}", fields=[("symbols", str(exc))]) from None
    return MarketsOut(
        followed=True, always_open=hours.always_open, ts=now, markets=[MarketOut.of(s) for s in found]
    )
