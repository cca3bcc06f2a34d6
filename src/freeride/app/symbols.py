"""Which symbols are known: the shipped directory, what this installation already uses, a provider.

A symbol is known when (in this order, the first that says yes wins):
1. the shipped directory names it (``freeride/data/instruments``: S&P 500 and Nasdaq-100 members,
   widely traded ETFs; forex as any pair of two listed currencies);
2. the settings name it (a watchlist or a sleeve): the user typed it on purpose;
3. the store names it (the instruments table, a stored watchlist, an alert rule): it was accepted
   before;
4. a provider's symbol search lists it (``SymbolLookup``), when one is configured and answers.

Offline, 1-3 decide; a provider that cannot be reached is named in the refusal, so a real ticker
outside the shipped list is not taken for a typo without saying so. See docs/decisions.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import cache
from importlib import resources

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.config.run import DATA_PACKAGE
from freeride.config.settings import Settings
from freeride.core.errors import FreerideError, InvalidInput
from freeride.core.instruments import Instrument, parse_instrument
from freeride.core.symbols import SymbolDirectory, UnknownSymbol
from freeride.ports.watchlists import SymbolLookup
from freeride.storage.repositories import AlertRepository, InstrumentRepository
from freeride.storage.repositories.watchlists import WatchlistRepository

log = structlog.get_logger(__name__)

KnownSource = Callable[[], Awaitable[Iterable[str]]]
LOOKUP_TIMEOUT_S = 5.0


def _words(name: str) -> list[str]:
    text = resources.files(DATA_PACKAGE).joinpath("instruments", name).read_text(encoding="utf-8")
    return [word for line in text.splitlines() if not line.startswith("#") for word in line.split()]


@cache
def shipped_directory() -> SymbolDirectory:
    """The directory shipped with freeride (read once per process; a few kilobytes)."""
    return SymbolDirectory(_words("us_stocks.txt"), _words("currencies.txt"))


def settings_directory(settings: Settings) -> SymbolDirectory:
    """The shipped directory plus every symbol the settings name (watchlists and sleeves)."""
    named = [*settings.watched_symbols(), *(s.symbol for s in settings.trading_sleeves())]
    return shipped_directory().including(named)


class SymbolBook:
    """The ``SymbolCheck`` of the CLI and the API (see the module docstring for the order)."""

    def __init__(
        self,
        directory: SymbolDirectory,
        *,
        known: KnownSource | None = None,
        lookups: Sequence[SymbolLookup] = (),
        timeout_s: float = LOOKUP_TIMEOUT_S,
    ) -> None:
        self.directory = directory
        self._known = known
        self._lookups = list(lookups)
        self._timeout_s = timeout_s
        self._found: set[str] = set()

    def add_lookups(self, lookups: Sequence[SymbolLookup]) -> None:
        """Ask these too from now on (a live process learns its providers after its services)."""
        self._lookups.extend(lookups)

    async def resolve(self, text: str) -> Instrument:
        try:
            return self.directory.resolve(text)
        except UnknownSymbol as unknown:
            try:
                instrument = parse_instrument(text)
            except InvalidInput:
                raise unknown from None
            if instrument.symbol in self._found or instrument.symbol in await self._stored():
                return instrument
            unreachable: list[str] = []
            for lookup in self._lookups if not instrument.is_forex else ():
                try:
                    async with asyncio.timeout(self._timeout_s):
                        listed = await lookup.exists(instrument.symbol)
                except (FreerideError, TimeoutError) as exc:
                    log.warning("symbols.lookup_failed", provider=lookup.name, error=str(exc) or "timeout")
                    unreachable.append(lookup.name)
                    continue
                if listed:
                    self._found.add(instrument.symbol)
                    return instrument
            hint = _forex_hint(self.directory) if instrument.is_forex else _hint(self._lookups, unreachable)
            raise UnknownSymbol(instrument.symbol, unknown.suggestions, hint) from None

    async def _stored(self) -> set[str]:
        if self._known is None:
            return set()
        try:
            return set(await self._known())
        except Exception as exc:  # the store is down: decide from the directory and providers
            log.warning("symbols.store_unavailable", error=repr(exc))
            return set()


def _forex_hint(directory: SymbolDirectory) -> str:
    return f" (a pair is two of the known currencies: {', '.join(sorted(directory.currencies))})"


def _hint(lookups: Sequence[SymbolLookup], unreachable: list[str]) -> str:
    if not lookups:
        return (
            " (no provider with a symbol search is configured, so only the shipped list, the "
            "settings and symbols used before count; a real ticker outside them can be added to "
            "a watchlist in freeride.toml)"
        )
    if unreachable:
        return f" ({', '.join(unreachable)} could not be asked now; try again when it answers)"
    asked = ", ".join(lookup.name for lookup in lookups)
    return f" ({asked} does not list it either)"


def with_suggestions(text: str, problem: str) -> str:
    """``problem`` (a malformed symbol's message) with the close matches of ``text`` appended
    (``eur_usd`` → "… did you mean EUR/USD?"), for refusals made before a ``SymbolCheck`` runs."""
    found = shipped_directory().suggest(text)
    return f"{problem}; did you mean {' or '.join(found)}?" if found else problem


def settings_symbols(settings: Settings) -> list[tuple[str, str]]:
    """Every symbol the settings name, with where: ``("sleeves[0].symbol", "AAPL")``."""
    named = [(f"sleeves[{i}].symbol", s.symbol) for i, s in enumerate(settings.sleeves)]
    named += [(f"run.feeds[{i}].symbol", f.symbol) for i, f in enumerate(settings.run.feeds)]
    named += [(f"watchlists.{name}", s) for name, symbols in settings.watchlists.items() for s in symbols]
    return named


def unknown_in_settings(
    settings: Settings, directory: SymbolDirectory, known: Iterable[str] = ()
) -> list[tuple[str, UnknownSymbol]]:
    """The settings' symbols neither ``directory`` nor ``known`` has, with where each is set."""
    extra = set(known)
    found: list[tuple[str, UnknownSymbol]] = []
    for where, symbol in settings_symbols(settings):
        if symbol in extra:
            continue
        try:
            directory.resolve(symbol)
        except UnknownSymbol as exc:
            found.append((where, exc))
    return found


def is_unslashed_pair(unknown: UnknownSymbol) -> bool:
    """``EURUSD``: two known currencies run together, a pair without its slash, never a ticker."""
    best = unknown.suggestions[0] if unknown.suggestions else ""
    return "/" in best and best.replace("/", "") == unknown.symbol


def stored_symbols(engine: AsyncEngine) -> KnownSource:
    """Symbols the store already knows: instruments, stored watchlists, alert rules."""

    async def read() -> list[str]:
        instruments = await InstrumentRepository(engine).list_all()
        watched = await WatchlistRepository(engine).entries()
        alerts = await AlertRepository(engine).find()
        return [
            *(i.symbol for i in instruments),
            *(e.symbol for e in watched),
            *(a.rule.symbol for a in alerts),
        ]

    return read


def symbol_book(settings: Settings, engine: AsyncEngine, lookups: Sequence[SymbolLookup] = ()) -> SymbolBook:
    return SymbolBook(settings_directory(settings), known=stored_symbols(engine), lookups=lookups)
