"""What every repository shares: the engine, and an ``INSERT`` that can say ``ON CONFLICT``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class Repository:
    """Holds the engine; each call opens its own short transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine


def dialect_insert(conn: AsyncConnection, table: sa.Table) -> Any:
    """The backend's ``INSERT`` (both spell upserts ``on_conflict_do_update/do_nothing``)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def upsert_row(conn: AsyncConnection, table: sa.Table, values: dict[str, Any], key: str) -> None:
    """Insert the row, or on a clash of ``key`` overwrite every other column with the new values."""
    stmt = dialect_insert(conn, table).values(**values)
    updates = {k: stmt.excluded[k] for k in values if k != key}
    await conn.execute(stmt.on_conflict_do_update(index_elements=[key], set_=updates))
