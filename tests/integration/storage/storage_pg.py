"""Reaching the PostgreSQL server the storage tests run against (127.0.0.1:5432, trust auth).

Without the server the PostgreSQL cases are skipped, except on CI (``CI=true``), where a missing
server is a failure.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.storage.engine import create_engine

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_DSN = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/test"
PG_URL = f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/test"

_problems: dict[tuple[str, int], str] = {}  # (host, port) -> "" when reachable, else the error


async def pg_unreachable(host: str = PG_HOST, port: int = PG_PORT) -> str:
    """Empty when the server answers, else why not (asked once per session and address)."""
    if (host, port) not in _problems:
        import asyncpg

        try:
            conn = await asyncpg.connect(host=host, port=port, user="postgres", database="test", timeout=5)
            await conn.close()
            _problems[(host, port)] = ""
        except Exception as exc:
            _problems[(host, port)] = f"{type(exc).__name__}: {exc}"
    return _problems[(host, port)]


async def require_pg(host: str = PG_HOST, port: int = PG_PORT) -> None:
    """Skip the test when the server is absent; on CI (``CI=true``) fail it instead."""
    problem = await pg_unreachable(host, port)
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL not reachable at {host}:{port}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {host}:{port}: {problem}")


async def pg_execute(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_DSN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def pg_schema_engine() -> tuple[AsyncEngine, str]:
    """An engine whose tables live in a fresh schema of their own."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    await pg_execute(f"CREATE SCHEMA {schema}")
    engine = create_engine(PG_URL, connect_args={"server_settings": {"search_path": schema}})
    return engine, schema
