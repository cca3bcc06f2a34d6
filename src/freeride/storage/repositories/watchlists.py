"""Stored watch-list entries (``watchlist_symbols``): written by the watchlist service only."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from freeride.core.watchlists import WatchEntry, WatchSource
from freeride.storage.repositories._base import Repository, dialect_insert
from freeride.storage.tables import watchlist_symbols as t


def _entry(row: Any) -> WatchEntry:
    return WatchEntry(
        list_name=str(row["list_name"]),
        symbol=str(row["symbol"]),
        source=WatchSource.STORED,
        added_at=int(row["added_at"]),
    )


class WatchlistRepository(Repository):
    async def entries(self, list_name: str | None = None) -> list[WatchEntry]:
        query = sa.select(t).order_by(t.c.list_name, t.c.added_at, t.c.symbol)
        if list_name is not None:
            query = query.where(t.c.list_name == list_name)
        async with self._engine.connect() as conn:
            return [_entry(row) for row in (await conn.execute(query)).mappings()]

    async def add(self, entry: WatchEntry) -> bool:
        values = {"list_name": entry.list_name, "symbol": entry.symbol, "added_at": entry.added_at or 0}
        async with self._engine.begin() as conn:
            stmt = dialect_insert(conn, t).values(**values).on_conflict_do_nothing()
            result = await conn.execute(stmt)
            return bool(result.rowcount)

    async def remove(self, list_name: str, symbol: str) -> bool:
        async with self._engine.begin() as conn:
            result = await conn.execute(sa.delete(t).where(t.c.list_name == list_name, t.c.symbol == symbol))
            return bool(result.rowcount)
