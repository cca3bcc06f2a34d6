"""Symbol suggestions while a user types (autocomplete): the instruments ``GET /api/v1/instruments``
lists, the symbols the bus has priced, and the watchlists; prefix matches first, at most 25."""

from __future__ import annotations

from freeride.api.cache import ReadCache
from freeride.app.api import ApiState

MAX_CHOICES = 25  # Discord's limit


async def known_symbols(state: ApiState, cache: ReadCache) -> list[str]:
    found: set[str] = set()
    if state.repos is not None:
        repos = state.repos
        found.update(i.symbol for i in await cache.get(("instruments",), repos.instruments.list_all))
    if state.live is not None:
        found.update(state.live.prices)
    if state.full_settings is not None:
        found.update(state.full_settings.watched_symbols())
    return sorted(found)


async def symbol_choices(state: ApiState, cache: ReadCache, typed: str) -> list[str]:
    wanted = typed.strip().upper()
    symbols = await known_symbols(state, cache)
    first = [s for s in symbols if s.startswith(wanted)]
    rest = [s for s in symbols if wanted in s and not s.startswith(wanted)]
    return (first + rest)[:MAX_CHOICES]
