"""The one way a process opens its database: migrate once, one engine, disposed at the end.

Migrations run here and only here, when a process (the engine, the API, a CLI command) opens its
database, never per request: Alembic is not safe to run concurrently inside one process, and a
schema check per request would put file and catalogue I/O on every kill-switch call. Everything a
process does with the database after that goes through the one ``AsyncEngine`` this yields.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.config.urls import mask_url
from freeride.core.errors import DatabaseUnavailable
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine


@asynccontextmanager
async def open_database(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on ``url`` whose schema is at head; disposed when the block ends.

    A database that cannot be reached is a ``DatabaseUnavailable`` naming it, not a driver
    traceback: the first connection is tried on its own before any migration runs."""
    engine = create_engine(url)
    try:
        await _reach(engine, url)
        await upgrade_engine(engine)
        yield engine
    finally:
        await engine.dispose()


async def _reach(engine: AsyncEngine, url: str) -> None:
    try:
        async with engine.connect():
            pass
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DBAPIError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseUnavailable(f"cannot open the database {mask_url(url)}: {reason}") from None
