"""Alert storage tests run on SQLite (a temp file) and on PostgreSQL, like the storage tests."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).parents[1] / "storage"))

from storage_pg import pg_execute, pg_schema_engine, require_pg

from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a database migrated to head."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'freeride.db'}")
        await upgrade_engine(engine)
        yield engine
        await engine.dispose()
        return
    await require_pg()
    engine, schema = await pg_schema_engine()
    try:
        await upgrade_engine(engine)
        yield engine
    finally:
        await engine.dispose()
        await pg_execute(f"DROP SCHEMA {schema} CASCADE")
