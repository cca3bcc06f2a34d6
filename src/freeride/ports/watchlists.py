"""What the watchlist service needs: a store of watched symbols, and a way to tell a symbol is real."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from freeride.core.instruments import Instrument
from freeride.core.watchlists import WatchEntry


class WatchlistRepository(Protocol):
    """Stored watch-list entries; the one writer of its table."""

    async def entries(self, list_name: str | None = None) -> list[WatchEntry]: ...

    async def add(self, entry: WatchEntry) -> bool:
        """Store ``entry``; ``False`` when the list already had the symbol (nothing changes)."""
        ...

    async def remove(self, list_name: str, symbol: str) -> bool: ...


class SymbolCheck(Protocol):
    """Turns what a user typed into a known instrument, or raises ``core.symbols.UnknownSymbol``
    (``InvalidInput``) carrying close matches."""

    async def resolve(self, text: str) -> Instrument: ...


@runtime_checkable
class SymbolLookup(Protocol):
    """A provider's symbol search, asked about symbols the offline directory does not know."""

    name: str

    async def exists(self, symbol: str) -> bool:
        """Whether the provider lists ``symbol``; raises ``TemporaryError`` when it cannot say."""
        ...
