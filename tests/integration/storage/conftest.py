"""Database fixtures: every storage test runs on SQLite (a temp file) and on PostgreSQL.

PostgreSQL is the server at 127.0.0.1:5432 (user ``postgres``, trust auth, database ``test``).
Each PostgreSQL test gets a schema of its own, created before and dropped after, so tests share
nothing and may run in any order. Without the server the PostgreSQL cases are skipped, except on
CI (``CI=true``), where a missing server is a failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from storage_pg import pg_execute, pg_schema_engine, require_pg

from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import Repositories


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def bare_engine(backend: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database (not migrated)."""
    if backend == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'freeride.db'}")
        yield engine
        await engine.dispose()
        return
    await require_pg()
    engine, schema = await pg_schema_engine()
    try:
        yield engine
    finally:
        await engine.dispose()
        await pg_execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
async def engine(bare_engine: AsyncEngine) -> AsyncEngine:
    """An engine on a database migrated to head."""
    await upgrade_engine(bare_engine)
    return bare_engine


@pytest.fixture
def repos(engine: AsyncEngine) -> Repositories:
    return Repositories.from_engine(engine)


@pytest.fixture
async def run_id(repos: Repositories) -> str:
    """A run that has begun, for the rows that belong to one."""
    await repos.runs.begin("run-1", name="test", config={"fast": 5}, started_at=1)
    return "run-1"
