"""Fixtures for end-to-end runs: small slices of the shipped data and a throwaway PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def slice_of(name: str, rows: int, dest: Path) -> Path:
    """The header and the first ``rows`` bars of a shipped file, written to ``dest``."""
    text = resources.files("freeride.data").joinpath(name).read_text()
    dest.write_text("".join(text.splitlines(keepends=True)[: rows + 1]))
    return dest


@pytest.fixture
def feeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A short stock slice and a short forex slice, configured as the run's feeds."""
    for key in [k for k in os.environ if k.startswith("FREERIDE_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    goog = slice_of("GOOG_daily.csv", 400, tmp_path / "goog.csv")
    eur = slice_of("EURUSD_hourly.csv", 600, tmp_path / "eurusd.csv")
    monkeypatch.setenv(
        "FREERIDE_RUN__FEEDS",
        f'[{{"symbol": "GOOG", "interval": "1d", "path": "{goog}", "quantity": 50}},'
        f' {{"symbol": "EUR/USD", "interval": "1h", "path": "{eur}", "quantity": 10000}}]',
    )
    monkeypatch.setenv("FREERIDE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/run.db")
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", "env")
    return goog, eur


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN, timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the local PostgreSQL server, dropped afterwards."""
    name = f"freeride_e2e_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (TimeoutError, OSError, ImportError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL must be reachable at 127.0.0.1:5432 under CI=true: {exc!r}")
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {exc!r}")
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
