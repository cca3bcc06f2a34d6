"""The engine factory: async drivers only, clear errors, SQLite tuned on every connection."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from freeride.core.errors import ConfigError
from freeride.storage.engine import create_engine, parse_url


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite+aiosqlite:///./freeride.db", "sqlite+aiosqlite"),
        ("sqlite:///./freeride.db", "sqlite+aiosqlite"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg"),
        ("postgresql://u@h/db", "postgresql+asyncpg"),
        ("postgres://u@h/db", "postgresql+asyncpg"),
    ],
)
def test_supported_schemes_get_their_async_driver(url: str, driver: str) -> None:
    assert parse_url(url).drivername == driver


@pytest.mark.parametrize(
    "url", ["mysql://u:secret@h/db", "sqlite+pysqlite:///x.db", "postgresql+psycopg2://u:secret@h/db"]
)
def test_unsupported_scheme_names_the_url_not_the_password(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        create_engine(url)
    message = str(caught.value)
    assert url.split("://")[0] in message
    assert "sqlite+aiosqlite" in message
    assert "secret" not in message
    assert "***" in message or "secret" not in url


def test_malformed_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a valid URL"):
        create_engine("not a url at all :: :p@ss@")


async def test_sqlite_gets_wal_normal_sync_and_foreign_keys(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'sub' / 'x.db'}")  # parent is created
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA synchronous"))).scalar() == 1  # NORMAL
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_memory_sqlite_is_one_shared_database() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 1
    finally:
        await engine.dispose()
