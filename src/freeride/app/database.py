"""The one way a process opens its database: migrate once, one engine, disposed at the end.

Migrations run here and only here, when a process (the engine, the API, a CLI command) opens its
database, never per request: Alembic is not safe to run concurrently inside one process, and a
schema check per request would put file and catalogue I/O on every kill-switch call. Everything a
process does with the database after that goes through the one ``AsyncEngine`` this yields.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine


@asynccontextmanager
async def open_database(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on ``url`` whose schema is at head; disposed when the block ends."""
    engine = create_engine(url)
    try:
        await upgrade_engine(engine)
        yield engine
    finally:
        await engine.dispose()
