"""Bring a database to the newest schema on start, with no ``alembic.ini`` in the working directory.

The Alembic scripts live inside the package (``storage/migrations``), so an installed freeride
migrates the same way as a checkout. Upgrading a database that is already at head does nothing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.storage.engine import create_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Two processes starting at once on one PostgreSQL database must not both create the tables.
_PG_LOCK_KEY = 0x66726565  # "free"


def alembic_config() -> Config:
    """An Alembic ``Config`` pointing at the packaged migrations (no file on disk needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (the newest by default).

    It opens and disposes an engine of its own, so an in-memory SQLite database would vanish with
    it: migrate one of those through ``upgrade_engine`` on the engine that keeps it.
    """
    engine = create_engine(url)
    try:
        await upgrade_engine(engine, revision)
    finally:
        await engine.dispose()


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Like ``upgrade`` on an engine the caller already has (and keeps)."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        await conn.run_sync(_upgrade, revision)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; ``None`` for a database never migrated."""
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
