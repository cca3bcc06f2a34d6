"""Watchlists: symbols streamed for alerts, research and the dashboard, apart from what trades.

A list is named (``default`` unless told otherwise). Its symbols come from two places: the
settings (``watchlists`` in ``freeride.toml`` or ``FREERIDE_WATCHLISTS``), read-only at run time,
and the store, where ``freeride watch add`` and the dashboard put them. ``Watchlist`` is the
merged view: each symbol says where it came from, so a user who cannot remove one is told why.
"""

from __future__ import annotations

import re
from enum import StrEnum

import msgspec

from freeride.core.errors import InvalidInput

DEFAULT_LIST = "default"
_LIST_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


class WatchSource(StrEnum):
    SETTINGS = "settings"
    STORED = "stored"


class WatchEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One symbol on one list; ``added_at`` (ns) is ``None`` for a symbol set in the settings."""

    list_name: str
    symbol: str
    source: WatchSource = WatchSource.STORED
    added_at: int | None = None


class Watchlist(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    entries: tuple[WatchEntry, ...]

    @property
    def symbols(self) -> list[str]:
        return [e.symbol for e in self.entries]


def list_name(text: str) -> str:
    """A list's name as stored; ``InvalidInput`` naming the rule it breaks."""
    name = text.strip()
    if not _LIST_NAME.match(name):
        raise InvalidInput(
            f"watchlist name {text!r} is not valid: use 1-64 letters, digits or _ . - (e.g. 'tech')"
        )
    return name


def merge(configured: dict[str, list[str]], stored: list[WatchEntry]) -> list[Watchlist]:
    """Configured and stored lists side by side, by name; configured symbols first, no repeats."""
    by_name: dict[str, dict[str, WatchEntry]] = {}
    for name, symbols in configured.items():
        entries = by_name.setdefault(name, {})
        for symbol in symbols:
            entries.setdefault(symbol, WatchEntry(list_name=name, symbol=symbol, source=WatchSource.SETTINGS))
    for entry in stored:
        by_name.setdefault(entry.list_name, {}).setdefault(entry.symbol, entry)
    return [Watchlist(name=n, entries=tuple(e.values())) for n, e in sorted(by_name.items())]
