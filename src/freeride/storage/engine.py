"""The one way to build a database engine: async drivers only, SQLite tuned for a single writer.

SQLite gets WAL (readers never block the recorder and the recorder never blocks readers),
``synchronous=NORMAL`` (in WAL mode a crash can lose the last commits but never corrupts the file,
and commits stop waiting for fsync) and foreign keys, which SQLite leaves off unless asked, set on
every new connection.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from freeride.core.errors import ConfigError

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"
SUPPORTED = (SQLITE_DRIVER, POSTGRES_DRIVER)

# Bare schemes people type; each has exactly one async driver we use.
_ALIASES = {"sqlite": SQLITE_DRIVER, "postgresql": POSTGRES_DRIVER, "postgres": POSTGRES_DRIVER}

_SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON")


def _redact(url: str) -> str:
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


def parse_url(url: str) -> URL:
    """The URL with its async driver; ``ConfigError`` naming the URL when we cannot use it."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"database URL {_redact(url)!r} is not a valid URL ({exc}); "
            f"expected e.g. 'sqlite+aiosqlite:///./freeride.db' or "
            f"'postgresql+asyncpg://user@127.0.0.1:5432/freeride'"
        ) from exc
    driver = _ALIASES.get(parsed.drivername, parsed.drivername)
    if driver not in SUPPORTED:
        raise ConfigError(
            f"database URL {parsed.render_as_string(hide_password=True)!r}: scheme "
            f"{parsed.drivername!r} is not supported; use one of {', '.join(SUPPORTED)} "
            f"(e.g. 'sqlite+aiosqlite:///./freeride.db')"
        )
    return parsed.set(drivername=driver)


def is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An ``AsyncEngine`` for ``url``; extra keyword arguments go to ``create_async_engine``.

    A file-based SQLite database gets its parent directory created, so a fresh checkout runs
    without a manual ``mkdir``. An in-memory SQLite database is shared by one static connection,
    since each new connection to ``:memory:`` would otherwise see an empty database.
    """
    parsed = parse_url(url)
    # JSON columns (run configs and summaries) may hold Decimals and datetimes: msgspec takes them.
    kwargs.setdefault("json_serializer", _json_dumps)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(parsed, **kwargs)
    if is_memory_sqlite(parsed):
        kwargs.setdefault("poolclass", StaticPool)
    elif parsed.database and not parsed.query.get("uri"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(parsed, **kwargs)
    event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    return engine


def _json_dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()
