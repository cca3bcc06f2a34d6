"""Watch-list operations shared by the CLI and the REST API: check, store, list, remove.

The store holds what users add (``freeride watch add``, the dashboard); the settings' lists are
read-only here and merged in when listing. Every symbol added is checked by the ``SymbolCheck``
(the instrument directory, then a provider), so a typo is refused with close matches instead of
being streamed for ever without a price. A running ``freeride live`` polls ``stored_symbols``
(``gateway.watch.WatchSet``) and streams what appears, from this process or another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from freeride.core.clock import Clock
from freeride.core.errors import InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.core.watchlists import WatchEntry, Watchlist, WatchSource, list_name, merge
from freeride.ports.watchlists import SymbolCheck, WatchlistRepository


class NotWatched(InvalidInput):
    """The list does not have the symbol (a 404 over HTTP)."""


class ConfiguredOnly(InvalidInput):
    """The symbol is on the list through the settings, which this service does not edit (409)."""


class WatchlistService:
    def __init__(
        self,
        repo: WatchlistRepository,
        clock: Clock,
        symbols: SymbolCheck,
        configured: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.repo = repo
        self._clock = clock
        self._symbols = symbols
        self._configured = {name: list(s) for name, s in (configured or {}).items()}

    async def lists(self, name: str | None = None) -> list[Watchlist]:
        """Configured and stored lists merged (all of them, or the one called ``name``)."""
        wanted = None if name is None else list_name(name)
        stored = await self.repo.entries(wanted)
        configured = {n: s for n, s in self._configured.items() if wanted is None or n == wanted}
        return merge(configured, stored)

    async def add(self, name: str, symbol: str) -> tuple[WatchEntry, bool]:
        """Put ``symbol`` on list ``name``; the entry and whether it was new (``False``: already on it)."""
        name = list_name(name)
        instrument = await self._symbols.resolve(symbol)
        if instrument.symbol in self._configured.get(name, []):
            entry = WatchEntry(list_name=name, symbol=instrument.symbol, source=WatchSource.SETTINGS)
            return entry, False
        entry = WatchEntry(list_name=name, symbol=instrument.symbol, added_at=self._clock.now_ns())
        if await self.repo.add(entry):
            return entry, True
        existing = [e for e in await self.repo.entries(name) if e.symbol == instrument.symbol]
        return (existing[0] if existing else entry), False

    async def remove(self, name: str, symbol: str) -> WatchEntry:
        """Take ``symbol`` off list ``name``; ``NotWatched`` or ``ConfiguredOnly`` when it cannot."""
        name = list_name(name)
        canonical = _canonical(symbol)
        if await self.repo.remove(name, canonical):
            return WatchEntry(list_name=name, symbol=canonical)
        if canonical in self._configured.get(name, []):
            raise ConfiguredOnly(
                f"{canonical} is on watchlist {name!r} through the settings; remove it from "
                f"[watchlists] in freeride.toml (or FREERIDE_WATCHLISTS) and restart"
            )
        raise NotWatched(f"watchlist {name!r} has no symbol {canonical}")

    async def stored_symbols(self) -> list[str]:
        """Every stored symbol of every list, once (what a running service adds to its stream)."""
        return list(dict.fromkeys(e.symbol for e in await self.repo.entries()))


def _canonical(symbol: str) -> str:
    """``eur/usd``, ``EUR_USD`` and ``EUR-USD`` name one pair; anything else as typed, upper case."""
    text = symbol.strip().upper()
    for candidate in (text, text.replace("_", "/"), text.replace("-", "/")):
        try:
            return parse_instrument(candidate).symbol
        except InvalidInput:
            continue
    return text
