"""The doctor's offline checks that need more than the settings: symbols and stored alert rules.

Offline and read-only: the symbols of the settings are checked against the shipped directory
(``app.symbols``), and the alert rules are read from the database only when it already exists and
holds them (the doctor neither creates a file nor migrates a schema).

A settings symbol the directory does not know fails when it has close matches (``AAPLL`` →
``AAPL``, ``EURUSD`` → ``EUR/USD``: a typo streams nothing and trades nothing) and is a warning
when it has none (perhaps a real ticker outside the shipped list; ``--online`` is not needed to
start, the provider will tell at the first quote).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from freeride.app.symbols import settings_symbols, shipped_directory, unknown_in_settings
from freeride.config.doctor import CheckResult, channel_fix
from freeride.config.settings import Settings
from freeride.config.urls import mask_url
from freeride.core.symbols import SymbolDirectory
from freeride.storage.engine import create_engine
from freeride.storage.repositories import AlertRepository


async def local_checks(settings: Settings) -> list[CheckResult]:
    return [*check_symbols(settings, shipped_directory()), *await check_alert_channels(settings)]


def check_symbols(settings: Settings, directory: SymbolDirectory) -> list[CheckResult]:
    """Each symbol of the sleeves, feeds and watchlists is known, or at least not a likely typo."""
    results: list[CheckResult] = []
    for where, exc in unknown_in_settings(settings, directory):
        name = f"symbol: {exc.symbol}"
        if exc.suggestions:
            fix = f"write {exc.suggestions[0]} in {where} (freeride.toml or its FREERIDE_ variable)"
            results.append(CheckResult(name, False, f"{where}: {exc}", fix))
        else:
            message = f"{exc.symbol} is not in the shipped list of instruments ({where})"
            fix = "check the spelling; a real ticker outside the list is fine"
            results.append(CheckResult(name, True, message, fix, warning=True))
    named = settings_symbols(settings)
    if named and not results:
        results.append(CheckResult("symbols", True, f"{len(named)} symbols of the settings are known"))
    return results


def _sqlite_file_exists(database: str | None) -> bool:
    return bool(database) and database != ":memory:" and Path(database or "").expanduser().exists()


async def check_alert_channels(settings: Settings) -> list[CheckResult]:
    """Each active stored alert rule notifies only configured channels."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and not await asyncio.to_thread(_sqlite_file_exists, url.database):
        return []
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            has_alerts = await conn.run_sync(lambda sync: sa.inspect(sync).has_table("alerts"))
        if not has_alerts:
            return []
        rules = await AlertRepository(engine).find(active=True)
    except Exception as exc:  # the database check above reports an unreachable database
        return [
            CheckResult(
                "alerts",
                True,
                f"stored alert rules not read from {mask_url(settings.database_url)}: {type(exc).__name__}",
                warning=True,
            )
        ]
    finally:
        await engine.dispose()
    configured = settings.notify.channels
    results: list[CheckResult] = []
    for stored in rules:
        rule = stored.rule
        unknown = [ch for ch in rule.notify if ch not in configured]
        if unknown:
            names = ", ".join(repr(ch) for ch in unknown)
            results.append(
                CheckResult(
                    f"alert: {rule.id}",
                    False,
                    f"alert {rule.id} notifies channel {names}, which is not configured ({rule.describe()})",
                    channel_fix(configured, f"freeride alerts rm {rule.id} and add it again"),
                )
            )
    if not results:
        results.append(
            CheckResult("alerts", True, f"{len(rules)} active rules name only configured channels")
        )
    return results
