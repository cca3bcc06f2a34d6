"""The watch-list service: configured and stored lists merged, symbols checked, removals explained."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.app.symbols import SymbolBook, shipped_directory
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.errors import InvalidInput
from freeride.core.symbols import UnknownSymbol
from freeride.core.watchlists import WatchSource
from freeride.gateway.watchlists import ConfiguredOnly, NotWatched, WatchlistService
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories.watchlists import WatchlistRepository

T0 = 1_717_400_000 * NS_PER_SECOND


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    await upgrade_engine(engine)
    yield engine
    await engine.dispose()


def service(db: AsyncEngine, clock: ManualClock) -> WatchlistService:
    book = SymbolBook(shipped_directory().including(["EUR/USD", "MSFT"]))
    return WatchlistService(WatchlistRepository(db), clock, book, {"fx": ["EUR/USD"], "tech": ["MSFT"]})


async def test_add_stores_the_canonical_symbol_once(db: AsyncEngine) -> None:
    clock = ManualClock(T0)
    watch = service(db, clock)
    entry, new = await watch.add("default", "nvda")
    assert (entry.symbol, entry.list_name, entry.added_at, new) == ("NVDA", "default", T0, True)
    clock.advance(5)
    entry, new = await watch.add("default", "NVDA")
    assert (entry.added_at, new) == (T0, False)  # the first add is kept
    assert await watch.stored_symbols() == ["NVDA"]


async def test_lists_merge_configured_and_stored(db: AsyncEngine) -> None:
    watch = service(db, ManualClock(T0))
    await watch.add("fx", "GBP/USD")
    await watch.add("fx", "eur/usd")  # already there through the settings: nothing stored
    lists = {w.name: w for w in await watch.lists()}
    assert lists["fx"].symbols == ["EUR/USD", "GBP/USD"]
    assert [e.source for e in lists["fx"].entries] == [WatchSource.SETTINGS, WatchSource.STORED]
    assert lists["tech"].symbols == ["MSFT"]
    assert [w.name for w in await watch.lists("fx")] == ["fx"]
    assert await watch.stored_symbols() == ["GBP/USD"]


async def test_unknown_symbols_and_bad_names_are_refused_and_nothing_is_stored(db: AsyncEngine) -> None:
    watch = service(db, ManualClock(T0))
    with pytest.raises(UnknownSymbol) as caught:
        await watch.add("default", "EURUSD")
    assert caught.value.suggestions[0] == "EUR/USD"
    with pytest.raises(InvalidInput, match="watchlist name"):
        await watch.add("no spaces", "AAPL")
    assert await watch.stored_symbols() == []


async def test_remove_says_why_it_cannot(db: AsyncEngine) -> None:
    watch = service(db, ManualClock(T0))
    await watch.add("fx", "GBP/USD")
    assert (await watch.remove("fx", "gbp_usd")).symbol == "GBP/USD"
    with pytest.raises(NotWatched, match="has no symbol GBP/USD"):
        await watch.remove("fx", "GBP/USD")
    with pytest.raises(ConfiguredOnly, match=r"freeride\.toml"):
        await watch.remove("fx", "EUR/USD")
    assert [w.symbols for w in await watch.lists("fx")] == [["EUR/USD"]]
