"""``/api/v1``: instruments, last prices (quotes), bars and recent signals. Read scope.

Quotes come from the bus (what this process has seen priced); bars from storage. When the process
has a market-data gateway, it answers the rest: symbols the bus has not priced yet, and bar ranges
storage holds nothing for. ``source`` says which answered.

Every handler does a bounded amount of work on the event loop the engine shares: stored bars are
paged in SQL (never loaded whole), a gateway is asked for at most ``GATEWAY_MAX_BARS`` bars per
request (the simulator computes them in a worker thread), and a range beyond that is a 422
saying how far it may reach.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from freeride.api.deps import state_of
from freeride.api.deps_v1 import READ, Live, Repos, norm_symbol, time_ns
from freeride.api.errors import ERROR_RESPONSES, ApiError
from freeride.api.pages import Page, Paging
from freeride.api.reads import last_prices, recent_signals
from freeride.api.views import BarOut, BarsPage, InstrumentOut, QuotesOut, SignalOut
from freeride.core.clock import NS_PER_SECOND, ns_to_datetime
from freeride.core.errors import FreerideError
from freeride.core.market import INTERVAL_SECONDS
from freeride.core.slices import convert_in_slices

router = APIRouter(prefix="/api/v1", tags=["market"], dependencies=READ, responses=ERROR_RESPONSES)

MAX_SYMBOLS = 50
GATEWAY_BARS = 300  # bars asked of the gateway when the range has no start
GATEWAY_MAX_BARS = 5_000  # bars one request may ask of the gateway
INTERVALS = ", ".join(INTERVAL_SECONDS)
SYMBOL_DOC = "a stock ticker (AAPL, BRK.B) or a forex pair (EUR/USD), at most 32 characters"
Symbol = Annotated[str, Path(max_length=32, description=SYMBOL_DOC)]
Interval = Annotated[
    str,
    Query(
        max_length=8,
        description=f"bar length, one of {INTERVALS}",
        json_schema_extra={"enum": list(INTERVAL_SECONDS)},
    ),
]


@router.get("/instruments")
async def list_instruments(repos: Repos, paging: Paging) -> Page[InstrumentOut]:
    rows = [InstrumentOut.of(i) for i in await repos.instruments.list_all()]
    return Page[InstrumentOut].of(rows, paging)


@router.get("/instruments/{symbol:path}")
async def get_instrument(repos: Repos, symbol: Symbol) -> InstrumentOut:
    found = await repos.instruments.get(norm_symbol(symbol))
    if found is None:
        raise ApiError(404, f"no instrument {symbol!r}")
    return InstrumentOut.of(found)


@router.get("/quotes")
async def quotes(
    request: Request,
    live: Live,
    symbols: Annotated[
        str,
        Query(
            max_length=800,
            description=f"1 to {MAX_SYMBOLS} comma-separated symbols, e.g. GOOG,EUR/USD ({SYMBOL_DOC})",
        ),
    ],
) -> QuotesOut:
    """The last price of each symbol as the bus saw it (a quote's mid, else the last bar's close);
    with a gateway in this process, symbols the bus has not priced yet are asked of it."""
    wanted = [norm_symbol(s.strip(), "symbols") for s in symbols.split(",") if s.strip()]
    if not wanted or len(wanted) > MAX_SYMBOLS:
        raise ApiError(422, f"symbols: give 1 to {MAX_SYMBOLS} symbols", fields=[("symbols", "1-50 symbols")])
    wanted = list(dict.fromkeys(wanted))
    found, missing = await last_prices(state_of(request), wanted)
    return QuotesOut(quotes=found, missing=missing)


@router.get("/bars/{symbol:path}")
async def bars(
    request: Request,
    repos: Repos,
    paging: Paging,
    symbol: Symbol,
    interval: Interval = "1d",
    start: datetime | None = None,
    end: datetime | None = None,
) -> BarsPage:
    """Bars, oldest first, between ``start`` (inclusive) and ``end`` (exclusive): the stored ones,
    else (with a gateway in this process) the gateway's, from ``end`` (default now) back to
    ``start`` (default 300 bars earlier), at most 5,000 bars' worth of range per request.
    ``source`` is ``storage`` or ``gateway``."""
    wanted = norm_symbol(symbol)
    if interval not in INTERVAL_SECONDS:
        message = f"{interval!r} is not a bar interval; use one of {INTERVALS}"
        raise ApiError(422, f"interval: {message}", fields=[("interval", message)])
    start_ns, end_ns = time_ns(start, "start"), time_ns(end, "end")
    total = await repos.bars.count_range(wanted, interval, start_ns, end_ns)
    gateway = state_of(request).gateway
    if total or gateway is None:
        rows = await repos.bars.query(
            wanted, interval, start_ns, end_ns, limit=paging.limit, offset=paging.offset
        )
        items = await convert_in_slices(rows, BarOut.of)
        return BarsPage(items=items, total=total, limit=paging.limit, offset=paging.offset, source="storage")
    size = INTERVAL_SECONDS[interval] * NS_PER_SECOND
    # "Until now" ends at the close of the current interval, so requests within one interval ask
    # the gateway the same question and share one answer (its cache and single flight).
    until = end_ns if end_ns is not None else (state_of(request).clock.now_ns() // size + 1) * size
    since = max(0, start_ns if start_ns is not None else until - GATEWAY_BARS * size)
    if since >= until:
        return await BarsPage.of_bars([], paging, "storage")
    if (until - since) // size > GATEWAY_MAX_BARS:
        earliest = ns_to_datetime(until - GATEWAY_MAX_BARS * size).astimezone(UTC)
        message = (
            f"the range holds more than {GATEWAY_MAX_BARS:,} {interval} bars, more than one request "
            f"may ask of the market-data providers; start at {earliest:%Y-%m-%dT%H:%M:%SZ} or later "
            "and ask for earlier bars in further requests"
        )
        raise ApiError(422, f"start: {message}", fields=[("start", message)])
    try:
        fetched = await gateway.bars(wanted, interval, since, until)
    except FreerideError as exc:
        raise ApiError(503, f"no bars stored for {wanted} {interval}, and {exc}") from None
    inside = sorted((b for b in fetched if since <= b.ts_event < until), key=lambda b: b.ts_event)
    return await BarsPage.of_bars(inside, paging, "gateway")


@router.get("/signals")
async def signals(
    live: Live,
    paging: Paging,
    symbol: Annotated[str | None, Query(max_length=32, description=SYMBOL_DOC)] = None,
    strategy: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[SignalOut]:
    """Recent strategy signals, newest first (kept in memory, the last 500)."""
    wanted = norm_symbol(symbol) if symbol else None
    rows = [SignalOut.of(s) for s in recent_signals(live, wanted, strategy)]
    return Page[SignalOut].of(rows, paging)
