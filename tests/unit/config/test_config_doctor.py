"""Doctor checks: each failure is one result saying what is wrong and how to fix it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from freeride.adapters.keyring import KeyringSecretStore
from freeride.config.doctor import (
    CheckResult,
    check_database,
    check_redis,
    check_settings,
    run_checks,
)
from freeride.config.settings import Settings, load_settings

SECRET = "hunter2-very-secret"


def base_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path}/freeride.db",
        "secrets": {"order": ["env", "file"], "file": str(tmp_path / "secrets.json")},
    }
    values.update(overrides)
    return load_settings(**values)


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.name: r for r in results}


def assert_one_line(result: CheckResult) -> None:
    assert result.message
    assert result.fix
    assert "\n" not in result.message
    assert "\n" not in result.fix


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A TCP port that accepts connections and never says a word."""

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _reader.read()
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield port
    server.close()


async def test_everything_fine_by_default(tmp_path: Path) -> None:
    results = await run_checks(base_settings(tmp_path))
    assert all(r.ok for r in results), results
    names = [r.name for r in results]
    assert names == [
        "settings",
        "database",
        "secrets: env",
        "secrets: file",
        "provider: replay",
        "broker: paper",
        "channels",
        "feed: GOOG 1d",
        "feed: EUR/USD 1h",
    ]
    assert "will be created" in by_name(results)["database"].message
    assert not (tmp_path / "freeride.db").exists()  # the doctor changes nothing


async def test_existing_sqlite_file_answers(tmp_path: Path) -> None:
    (tmp_path / "freeride.db").touch()
    (result,) = await check_database(f"sqlite+aiosqlite:///{tmp_path}/freeride.db")
    assert result.ok
    assert result.message.endswith("answers")


async def test_in_memory_sqlite(tmp_path: Path) -> None:
    (result,) = await check_database("sqlite+aiosqlite://")
    assert result.ok


async def test_sqlite_directory_missing(tmp_path: Path) -> None:
    (result,) = await check_database(f"sqlite+aiosqlite:///{tmp_path}/nope/freeride.db")
    assert not result.ok
    assert result.message == f"directory {tmp_path}/nope for the SQLite file does not exist"
    assert result.fix.startswith(f"create it (mkdir -p {tmp_path}/nope)")


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root writes anywhere; POSIX modes")
async def test_sqlite_directory_not_writable(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    (result,) = await check_database(f"sqlite+aiosqlite:///{locked}/freeride.db")
    assert not result.ok
    assert "is not writable" in result.message
    assert "chmod u+w" in result.fix


async def test_postgres_unreachable_masks_the_password() -> None:
    (result,) = await check_database(f"postgresql+asyncpg://u:{SECRET}@127.0.0.1:1/db", timeout_s=2)
    assert not result.ok
    assert_one_line(result)
    assert result.message.startswith("cannot connect to postgresql+asyncpg://u:***@127.0.0.1:1/db: ")
    assert "start the database server" in result.fix
    assert "FREERIDE_DATABASE_URL" in result.fix
    assert SECRET not in result.message + result.fix


async def test_postgres_that_never_answers_times_out(silent_server: int) -> None:
    url = f"postgresql+asyncpg://u:{SECRET}@127.0.0.1:{silent_server}/db"
    (result,) = await check_database(url, timeout_s=0.2)
    assert not result.ok
    assert (
        result.message
        == f"postgresql+asyncpg://u:***@127.0.0.1:{silent_server}/db did not answer within 0.2s"
    )


async def test_redis_unreachable_masks_the_password() -> None:
    (result,) = await check_redis(f"redis://:{SECRET}@127.0.0.1:1/0", timeout_s=2)
    assert not result.ok
    assert_one_line(result)
    assert result.message.startswith("cannot connect to redis://:***@127.0.0.1:1/0: ")
    assert result.fix.startswith("start Redis")
    assert SECRET not in result.message


async def test_redis_is_checked_when_a_url_is_set(tmp_path: Path) -> None:
    settings = base_settings(tmp_path, redis_url="redis://127.0.0.1:1/0", bus={"backend": "redis"})
    results = by_name(await run_checks(settings, timeout_s=2))
    assert not results["redis"].ok


async def test_provider_enabled_without_a_key(tmp_path: Path) -> None:
    settings = base_settings(tmp_path, providers={"enabled": ["replay", "finnhub", "yahoo"]})
    results = by_name(await run_checks(settings, environ={}))
    finnhub = results["provider: finnhub"]
    assert not finnhub.ok
    assert finnhub.message == "finnhub is enabled but has no API key"
    assert finnhub.fix == (
        "set FREERIDE_PROVIDERS__FINNHUB_API_KEY or FREERIDE_SECRET_FINNHUB_API_KEY, "
        "or remove finnhub from FREERIDE_PROVIDERS__ENABLED"
    )
    assert results["provider: yahoo"].ok
    assert results["provider: replay"].ok


async def test_provider_key_from_settings_or_any_store(tmp_path: Path, memory_keyring: Any) -> None:
    settings = base_settings(
        tmp_path,
        providers={"enabled": ["alphavantage", "finnhub", "massive"], "alphavantage_api_key": SECRET},
        secrets={"order": ["env", "keyring"]},
    )
    memory_keyring.set_password("freeride", "massive_api_key", SECRET)
    results = await run_checks(
        settings,
        extra_stores={"keyring": KeyringSecretStore("freeride")},
        environ={"FREERIDE_SECRET_FINNHUB_API_KEY": SECRET},
    )
    named = by_name(results)
    assert (
        named["provider: alphavantage"].message == "API key set in settings (providers.alphavantage_api_key)"
    )
    assert named["provider: finnhub"].ok
    assert named["provider: massive"].ok
    assert all(SECRET not in r.message + r.fix for r in results)


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
async def test_world_readable_secrets_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(f'{{"finnhub_api_key": "{SECRET}"}}', encoding="utf-8")
    path.chmod(0o644)
    settings = base_settings(tmp_path, providers={"enabled": ["finnhub"]})
    results = by_name(await run_checks(settings, environ={}))
    store = results["secrets: file"]
    assert not store.ok
    assert store.message.startswith(f"secrets file {path} is accessible by group or others")
    assert store.fix == f"run: chmod 600 {path}"
    provider = results["provider: finnhub"]
    assert not provider.ok
    assert provider.fix == f"run: chmod 600 {path}"


async def test_keyring_unavailable_is_a_warning(tmp_path: Path) -> None:
    settings = base_settings(tmp_path, secrets={"order": ["env", "keyring"]})
    results = by_name(await run_checks(settings, extra_stores={"keyring": KeyringSecretStore()}))
    keyring_row = results["secrets: keyring"]
    assert keyring_row.ok
    assert keyring_row.warning
    assert keyring_row.message == "skipped: no OS keyring backend available"
    assert "keyrings.alt" in keyring_row.fix


async def test_keyring_store_not_provided(tmp_path: Path) -> None:
    settings = base_settings(tmp_path, secrets={"order": ["keyring"]})
    row = by_name(await run_checks(settings))["secrets: keyring"]
    assert row.warning
    assert "no keyring secret store was provided" in row.message


async def test_missing_feed_file(tmp_path: Path) -> None:
    missing = tmp_path / "bars.csv"
    settings = base_settings(
        tmp_path, run={"feeds": [{"symbol": "AAPL", "path": str(missing), "quantity": 1}]}
    )
    results = by_name(await run_checks(settings))
    feed = results["feed: AAPL 1d"]
    assert not feed.ok
    assert feed.message == f"data file {missing} does not exist"
    assert feed.fix == "fix run.feeds[0].path (FREERIDE_RUN__FEEDS)"


async def test_feed_path_is_a_directory(tmp_path: Path) -> None:
    settings = base_settings(
        tmp_path, run={"feeds": [{"symbol": "AAPL", "path": str(tmp_path), "quantity": 1}]}
    )
    assert not by_name(await run_checks(settings))["feed: AAPL 1d"].ok


def test_check_settings_reports_each_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_RUN__SPEED", "-1")
    monkeypatch.setenv("FREERIDE_NOPE", "1")
    settings, results = check_settings()
    assert settings is None
    assert [(r.name, r.ok) for r in results] == [
        ("run.speed / FREERIDE_RUN__SPEED", False),
        ("FREERIDE_NOPE", False),
    ]
    assert all(r.fix for r in results)


def test_check_settings_ok() -> None:
    settings, results = check_settings()
    assert settings is not None
    assert [(r.name, r.ok) for r in results] == [("settings", True)]
