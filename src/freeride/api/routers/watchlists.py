"""``/api/v1/watchlists``: list watchlists, add a symbol to one, take one off.

Reading needs the ``read`` scope, changing needs ``trade``. Handlers call ``WatchlistService``,
the same methods ``freeride watch`` uses. An unknown symbol is a 422 whose ``suggestions`` list
close matches; a symbol set in the settings cannot be removed here (409).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from freeride.api.deps import require, state_of
from freeride.api.errors import ERROR_RESPONSES, ApiError, doc
from freeride.core.clock import ns_to_datetime
from freeride.core.errors import InvalidInput
from freeride.core.symbols import UnknownSymbol
from freeride.core.watchlists import WatchEntry, Watchlist
from freeride.gateway.watchlists import ConfiguredOnly, NotWatched, WatchlistService
from freeride.ports.tokens import Scope

router = APIRouter(
    prefix="/api/v1/watchlists",
    tags=["watchlists"],
    responses={**ERROR_RESPONSES, 409: doc("the symbol is on the list through the settings (freeride.toml)")},
)
READ = [Depends(require(Scope.READ))]
WRITE = [Depends(require(Scope.TRADE))]
ListName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


async def watchlist_service(request: Request) -> WatchlistService:
    service = state_of(request).watchlists
    if service is None:
        raise ApiError(503, "watchlists are not available in this process")
    return service


Service = Annotated[WatchlistService, Depends(watchlist_service)]


class SymbolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str = Field(min_length=1, max_length=32, examples=["AAPL", "EUR/USD"])


class EntryOut(BaseModel):
    symbol: str
    source: str = Field(
        description="settings (freeride.toml, read-only here) or stored (added here or by the CLI)"
    )
    added_at: datetime | None = None

    @classmethod
    def of(cls, entry: WatchEntry) -> EntryOut:
        added = None if entry.added_at is None else ns_to_datetime(entry.added_at)
        return cls(symbol=entry.symbol, source=entry.source.value, added_at=added)


class WatchlistOut(BaseModel):
    name: str
    symbols: list[EntryOut]

    @classmethod
    def of(cls, watchlist: Watchlist) -> WatchlistOut:
        return cls(name=watchlist.name, symbols=[EntryOut.of(e) for e in watchlist.entries])


class WatchlistsOut(BaseModel):
    items: list[WatchlistOut]
    count: int


class AddedOut(BaseModel):
    name: str
    symbol: str
    added: bool = Field(description="false when the list already had the symbol")


@router.get("", dependencies=READ)
async def list_watchlists(service: Service) -> WatchlistsOut:
    items = [WatchlistOut.of(w) for w in await service.lists()]
    return WatchlistsOut(items=items, count=len(items))


@router.post("/{name}/symbols", status_code=201, dependencies=WRITE)
async def add_symbol(name: ListName, body: SymbolIn, service: Service, response: Response) -> AddedOut:
    try:
        entry, added = await service.add(name, body.symbol)
    except UnknownSymbol as exc:
        raise ApiError(422, str(exc), fields=[("symbol", str(exc))], suggestions=exc.suggestions) from None
    except InvalidInput as exc:
        raise ApiError(422, str(exc), fields=[("symbol", str(exc))]) from None
    if not added:
        response.status_code = 200
    return AddedOut(name=entry.list_name, symbol=entry.symbol, added=added)


@router.delete("/{name}/symbols/{symbol:path}", status_code=204, dependencies=WRITE)
async def remove_symbol(name: ListName, symbol: str, service: Service) -> Response:
    try:
        await service.remove(name, symbol)
    except NotWatched as exc:
        raise ApiError(404, str(exc)) from None
    except ConfiguredOnly as exc:
        raise ApiError(409, str(exc)) from None
    return Response(status_code=204)
