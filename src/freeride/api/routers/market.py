"""``/api/v1``: instruments, last prices (quotes), stored bars and recent signals. Read scope."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from freeride.api.deps_v1 import READ, Live, Repos, norm_symbol, time_ns
from freeride.api.errors import ERROR_RESPONSES, ApiError
from freeride.api.pages import Page, Paging
from freeride.api.views import BarOut, InstrumentOut, QuoteOut, QuotesOut, SignalOut

router = APIRouter(prefix="/api/v1", tags=["market"], dependencies=READ, responses=ERROR_RESPONSES)

MAX_SYMBOLS = 50
INTERVAL = r"^[0-9]{1,3}(s|m|h|d|w|mo)$"


@router.get("/instruments")
async def list_instruments(repos: Repos, paging: Paging) -> Page[InstrumentOut]:
    rows = [InstrumentOut.of(i) for i in await repos.instruments.list_all()]
    return Page[InstrumentOut].of(rows, paging)


@router.get("/instruments/{symbol:path}")
async def get_instrument(repos: Repos, symbol: Annotated[str, Path(max_length=32)]) -> InstrumentOut:
    found = await repos.instruments.get(norm_symbol(symbol))
    if found is None:
        raise ApiError(404, f"no instrument {symbol!r}")
    return InstrumentOut.of(found)


@router.get("/quotes")
async def quotes(
    live: Live,
    symbols: Annotated[str, Query(max_length=800, description="comma-separated, e.g. GOOG,EUR/USD")],
) -> QuotesOut:
    """The last price of each symbol as the bus saw it (a quote's mid, else the last bar's close)."""
    wanted = [norm_symbol(s.strip(), "symbols") for s in symbols.split(",") if s.strip()]
    if not wanted or len(wanted) > MAX_SYMBOLS:
        raise ApiError(422, f"symbols: give 1 to {MAX_SYMBOLS} symbols", fields=[("symbols", "1-50 symbols")])
    prices = live.prices
    found = [QuoteOut.of(prices[s]) for s in wanted if s in prices]
    return QuotesOut(quotes=found, missing=[s for s in wanted if s not in prices])


@router.get("/bars/{symbol:path}")
async def bars(
    repos: Repos,
    paging: Paging,
    symbol: Annotated[str, Path(max_length=32)],
    interval: Annotated[str, Query(pattern=INTERVAL)] = "1d",
    start: datetime | None = None,
    end: datetime | None = None,
) -> Page[BarOut]:
    """Stored bars, oldest first, between ``start`` (inclusive) and ``end`` (exclusive)."""
    rows = await repos.bars.query(
        norm_symbol(symbol),
        interval,
        start_ns=time_ns(start, "start"),
        end_ns=time_ns(end, "end"),
    )
    return Page[BarOut].of([BarOut.of(b) for b in rows], paging)


@router.get("/signals")
async def signals(
    live: Live,
    paging: Paging,
    symbol: Annotated[str | None, Query(max_length=32)] = None,
    strategy: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[SignalOut]:
    """Recent strategy signals, newest first (kept in memory, the last 500)."""
    wanted = norm_symbol(symbol) if symbol else None
    rows = [
        SignalOut.of(s)
        for s in reversed(live.signals)
        if (wanted is None or s.symbol == wanted) and (strategy is None or s.strategy == strategy)
    ]
    return Page[SignalOut].of(rows, paging)
