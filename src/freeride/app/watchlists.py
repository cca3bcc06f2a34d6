"""Builds the watch-list service (and the symbol check it shares with alerts) for one process."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.app.symbols import SymbolBook, symbol_book
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.gateway.watchlists import WatchlistService
from freeride.ports.watchlists import SymbolLookup
from freeride.storage.repositories.watchlists import WatchlistRepository


def build_watchlists(
    settings: Settings,
    engine: AsyncEngine,
    clock: Clock,
    *,
    symbols: SymbolBook | None = None,
    lookups: Sequence[SymbolLookup] = (),
) -> WatchlistService:
    book = symbols if symbols is not None else symbol_book(settings, engine, lookups)
    return WatchlistService(WatchlistRepository(engine), clock, book, settings.watchlists)
