"""The providers asked about a symbol the offline directory does not know (``app.symbols``).

Finnhub's symbol search, when Finnhub is enabled and has a key (settings or the secret store).
The other providers in the chain have no search on the plans freeride uses, so they are not
asked; with none configured the offline directory decides alone and its refusal says so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from freeride.adapters.finnhub.config import FinnhubConfig
from freeride.adapters.finnhub.data import FinnhubData
from freeride.app.gateway import Transports, resolve_keys
from freeride.app.secrets import extra_secret_stores
from freeride.config.secrets import build_secret_store
from freeride.config.settings import Settings
from freeride.core.clock import Clock, LiveClock
from freeride.ports.watchlists import SymbolLookup


@asynccontextmanager
async def symbol_lookups(
    settings: Settings, clock: Clock | None = None, transports: Transports | None = None
) -> AsyncIterator[list[SymbolLookup]]:
    """The configured lookups, closed when the block ends."""
    finnhub: FinnhubData | None = None
    if "finnhub" in settings.providers.enabled:
        store = build_secret_store(settings, extra_secret_stores(settings), warn=False)
        keys, _notes = resolve_keys(settings, store)
        if "finnhub" in keys:
            config = FinnhubConfig(keys["finnhub"], base_url=settings.providers.finnhub_url)
            transport = (transports or {}).get("finnhub")
            finnhub = FinnhubData(config, clock or LiveClock(), transport)
    try:
        yield [finnhub] if finnhub is not None else []
    finally:
        if finnhub is not None:
            await finnhub.aclose()
