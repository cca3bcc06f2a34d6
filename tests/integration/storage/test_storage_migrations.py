"""Migrations: from an empty database to head, twice (the second run changes nothing)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine
from storage_builders import bars
from storage_pg import PG_URL, pg_execute, require_pg

from freeride.storage.engine import create_engine
from freeride.storage.migrate import current_revision, head_revision, upgrade, upgrade_engine
from freeride.storage.repositories import Repositories
from freeride.storage.tables import metadata

TABLES = {"instruments", "bars", "orders", "fills", "positions", "system_events", "runs"}


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))


async def test_upgrade_twice_creates_everything_once(bare_engine: AsyncEngine) -> None:
    assert await current_revision(bare_engine) is None
    await upgrade_engine(bare_engine)
    assert await current_revision(bare_engine) == head_revision()
    assert await _tables(bare_engine) >= TABLES
    await Repositories.from_engine(bare_engine).bars.upsert_many(bars(3))

    await upgrade_engine(bare_engine)  # at head already: nothing to do, nothing lost

    assert await current_revision(bare_engine) == head_revision()
    assert await Repositories.from_engine(bare_engine).bars.count() == 3


async def test_migrated_schema_matches_the_tables_module(engine: AsyncEngine) -> None:
    def diff(sync_conn: sa.Connection) -> list[object]:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_upgrade_by_url_on_sqlite_twice(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'dir' / 'freeride.db'}"
    await upgrade(url)
    await upgrade(url)
    engine = create_engine(url)
    try:
        assert await current_revision(engine) == head_revision()
        assert await _tables(engine) >= TABLES
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_upgrade_by_url_on_postgres_twice() -> None:
    await require_pg()
    name = f"freeride_mig_{uuid.uuid4().hex[:10]}"
    await pg_execute(f"CREATE DATABASE {name}")
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        await upgrade(url)
        await upgrade(url)
        engine = create_engine(url)
        try:
            assert await current_revision(engine) == head_revision()
            assert await _tables(engine) >= TABLES
        finally:
            await engine.dispose()
    finally:
        await pg_execute(f"DROP DATABASE {name} WITH (FORCE)")
