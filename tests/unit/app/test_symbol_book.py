"""When a symbol counts as known: the directory, the settings, the store, then a provider's search
(Finnhub's ``/search`` on its fake, in Finnhub's wire format); refusals name what was asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.adapters.finnhub.config import FinnhubConfig
from freeride.adapters.finnhub.data import FinnhubData
from freeride.adapters.simulator.config import SimulatorConfig
from freeride.adapters.simulator.data import SimulatorData
from freeride.app.symbol_lookups import symbol_lookups
from freeride.app.symbols import SymbolBook, settings_directory, shipped_directory, symbol_book
from freeride.config.settings import load_settings
from freeride.core.alerts import AlertKind, AlertRule
from freeride.core.clock import ManualClock
from freeride.core.symbols import UnknownSymbol
from freeride.ports.watchlists import SymbolLookup
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import AlertRepository
from freeride.testing.fakes.finnhub import FakeFinnhub


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    await upgrade_engine(engine)
    yield engine
    await engine.dispose()


async def test_settings_and_stored_symbols_count_as_known(db: AsyncEngine) -> None:
    settings = load_settings(_env_file=None, watchlists={"space": ["RKLB"]}, secrets={"order": ["env"]})
    assert settings_directory(settings).resolve("rklb").symbol == "RKLB"
    book = symbol_book(settings, db)
    with pytest.raises(UnknownSymbol):
        await book.resolve("ASTS")
    await AlertRepository(db).add(AlertRule(id="a", symbol="ASTS", kind=AlertKind.ABOVE, threshold=1.0), 1)
    assert (await book.resolve("asts")).symbol == "ASTS"


async def test_without_a_provider_the_refusal_says_how_to_add_a_real_ticker() -> None:
    with pytest.raises(UnknownSymbol) as caught:
        await SymbolBook(shipped_directory()).resolve("RKLB")
    assert "no provider with a symbol search" in str(caught.value)
    assert "freeride.toml" in str(caught.value)


async def test_finnhub_search_decides_what_the_directory_does_not_know() -> None:
    fake = FakeFinnhub("fh-key")
    settings = load_settings(
        _env_file=None,
        secrets={"order": ["env"]},
        providers={
            "enabled": ["finnhub"],
            "finnhub_api_key": "fh-key",
            "finnhub_url": "http://fh.test/api/v1",
        },
    )
    transports = {"finnhub": httpx.ASGITransport(fake.app)}
    async with symbol_lookups(settings, transports=transports) as lookups:
        assert [lookup.name for lookup in lookups] == ["finnhub"]
        book = SymbolBook(shipped_directory(), lookups=lookups)
        assert (await book.resolve("RKLB")).symbol == "RKLB"  # listed by Finnhub
        with pytest.raises(UnknownSymbol) as caught:
            await book.resolve("AAPLL")  # "AAPL" and "AAPL.SW" are listed, not this
        assert caught.value.suggestions[0] == "AAPL"
        assert "finnhub does not list it either" in str(caught.value)
        fake.fail("down")
        with pytest.raises(UnknownSymbol) as caught:
            await book.resolve("ASTS")
        assert "finnhub could not be asked now" in str(caught.value)
        fake.fail("rate_limited")
        assert (await book.resolve("RKLB")).symbol == "RKLB"  # remembered: not asked again


async def test_no_finnhub_key_means_no_lookup() -> None:
    settings = load_settings(_env_file=None, secrets={"order": ["env"]}, providers={"enabled": ["finnhub"]})
    async with symbol_lookups(settings) as lookups:
        assert lookups == []


async def test_a_live_process_adds_its_providers_searches_once_built() -> None:
    """``freeride live`` builds the book before its gateway: the providers join it later."""
    fake = FakeFinnhub("fh-key")
    config = FinnhubConfig(SecretStr("fh-key"), base_url="http://fh.test/api/v1")
    finnhub = FinnhubData(config, ManualClock(0), httpx.ASGITransport(fake.app))
    simulator = SimulatorData(ManualClock(0), SimulatorConfig())
    providers = [simulator, finnhub]
    book = SymbolBook(shipped_directory())
    with pytest.raises(UnknownSymbol):
        await book.resolve("RKLB")
    book.add_lookups([p for p in providers if isinstance(p, SymbolLookup)])
    assert (await book.resolve("RKLB")).symbol == "RKLB"
    await finnhub.aclose()
