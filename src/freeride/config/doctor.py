"""``freeride doctor``: check every setting and connection before anything runs.

Each check returns ``CheckResult``s instead of raising, so one broken part never hides the
others: the operator sees the database, Redis, keys, feed files and secret stores all at once,
each problem on one line with its fix.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from freeride.config.brokers import BROKER_SECRETS
from freeride.config.problems import InvalidSettings
from freeride.config.secrets import ChainedSecretStore, FileSecretStore, build_secret_store
from freeride.config.settings import PROVIDERS_NEEDING_KEYS, Settings, load_settings
from freeride.config.urls import mask_url
from freeride.ports.secrets import SecretStore, SecretStoreError, SecretStoreUnavailable

DEFAULT_TIMEOUT = 3.0


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of the doctor's report; ``warning`` marks an ``ok`` result worth a look."""

    name: str
    ok: bool
    message: str
    fix: str = ""
    warning: bool = False


def check_settings(**overrides: Any) -> tuple[Settings | None, list[CheckResult]]:
    """Load the settings; on failure, one failed result per problem and no settings."""
    try:
        settings = load_settings(**overrides)
    except InvalidSettings as exc:
        return None, [CheckResult(p.where, False, p.what, p.fix) for p in exc.problems]
    return settings, [_settings_summary(settings)]


async def run_checks(
    settings: Settings,
    *,
    extra_stores: Mapping[str, SecretStore] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT,
    environ: Mapping[str, str] | None = None,
) -> list[CheckResult]:
    """Every check, in a fixed order; network checks run concurrently, each within ``timeout_s`` seconds.

    ``extra_stores`` are the adapter-backed secret stores (``{"keyring": …}``) the composition
    root built, exactly as passed to ``build_secret_store``.
    """
    store = build_secret_store(settings, extra_stores, environ=environ, warn=False)
    database, redis = await asyncio.gather(
        check_database(settings.database_url, timeout_s),
        check_redis(settings.redis_url, timeout_s) if settings.redis_url is not None else _nothing(),
    )
    return [
        _settings_summary(settings),
        *database,
        *redis,
        *check_secret_stores(store),
        *check_providers(settings, store),
        *check_broker(settings, store),
        *check_channels(settings),
        *check_feeds(settings),
    ]


async def _nothing() -> list[CheckResult]:
    return []


def _settings_summary(settings: Settings) -> CheckResult:
    scheme = settings.database_url.split("://", 1)[0]
    return CheckResult(
        "settings",
        True,
        f"valid (database {scheme}, bus {settings.bus.backend}, "
        f"providers {', '.join(settings.providers.enabled)}, {len(settings.run.feeds)} feeds)",
    )


async def check_database(url: str, timeout_s: float = DEFAULT_TIMEOUT) -> list[CheckResult]:
    """SQLite: the file's directory is writable; any database: it answers ``SELECT 1`` in time."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        early = _sqlite_file(parsed.database)
        if early is not None:
            return [early]
    return [await _select_one(url, timeout_s)]


def _sqlite_file(database: str | None) -> CheckResult | None:
    """A result when the SQLite file cannot work or does not exist yet (nothing to connect to).

    Connecting would create a missing file, and the doctor changes nothing; so a missing file is
    reported as "will be created" once its directory proved writable.
    """
    if not database or database == ":memory:":
        return None
    path = Path(database).expanduser().resolve()
    directory = path.parent
    if not directory.is_dir():
        return CheckResult(
            "database",
            False,
            f"directory {directory} for the SQLite file does not exist",
            f"create it (mkdir -p {directory}) or point FREERIDE_DATABASE_URL elsewhere",
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        return CheckResult(
            "database",
            False,
            f"directory {directory} is not writable, SQLite cannot create its journal there",
            f"chmod u+w {directory} or point FREERIDE_DATABASE_URL at a writable directory",
        )
    if not path.exists():
        return CheckResult("database", True, f"SQLite file {path} will be created on first run")
    if not os.access(path, os.R_OK | os.W_OK):
        return CheckResult(
            "database", False, f"SQLite file {path} is not readable and writable", f"chmod u+rw {path}"
        )
    return None


async def _select_one(url: str, timeout_s: float) -> CheckResult:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    masked = mask_url(url)
    connect_args: dict[str, Any] = {"timeout": timeout_s} if url.startswith("postgresql+asyncpg") else {}
    try:
        engine = create_async_engine(url, connect_args=connect_args, poolclass=NullPool)
    except ModuleNotFoundError as exc:
        return CheckResult(
            "database",
            False,
            f"database driver {exc.name} is not installed",
            "pip install 'freeride[postgres]'",
        )
    try:
        async with asyncio.timeout(timeout_s):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except TimeoutError:
        return CheckResult(
            "database",
            False,
            f"{masked} did not answer within {timeout_s:g}s",
            "check the host and port in FREERIDE_DATABASE_URL and that the server is up and reachable",
        )
    except Exception as exc:  # every driver has its own errors; all of them mean "not reachable"
        return CheckResult(
            "database", False, f"cannot connect to {masked}: {_reason(exc)}", _database_fix(exc)
        )
    finally:
        await engine.dispose()
    return CheckResult("database", True, f"{masked} answers")


def _reason(exc: BaseException) -> str:
    """The driver's own message (not SQLAlchemy's wrapper), one line, passwords masked."""
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip().splitlines()[0] if str(inner).strip() else type(inner).__name__
    return mask_url(text)[:200]


def _database_fix(exc: BaseException) -> str:
    reason = _reason(exc).lower()
    if "password" in reason or "authentication" in reason:
        return "check the user and password in FREERIDE_DATABASE_URL"
    if "does not exist" in reason:
        return "create the database (e.g. createdb <name>) or fix its name in FREERIDE_DATABASE_URL"
    return "start the database server or fix the host and port in FREERIDE_DATABASE_URL"


async def check_redis(url: str, timeout_s: float = DEFAULT_TIMEOUT) -> list[CheckResult]:
    """Redis answers ``PING`` in time (one attempt: the doctor diagnoses, it does not retry)."""
    masked = mask_url(url)
    try:
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import AuthenticationError, ResponseError
    except ModuleNotFoundError:
        return [
            CheckResult("redis", False, "the redis client is not installed", "pip install 'freeride[redis]'")
        ]
    client = aioredis.from_url(
        url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s, retry=Retry(NoBackoff(), 0)
    )
    try:
        async with asyncio.timeout(timeout_s):
            await client.ping()
    except TimeoutError:
        return [CheckResult("redis", False, f"{masked} did not answer within {timeout_s:g}s", _REDIS_FIX)]
    except (AuthenticationError, ResponseError) as exc:
        return [
            CheckResult(
                "redis",
                False,
                f"{masked} refused us: {_reason(exc)}",
                "check the password in FREERIDE_REDIS_URL (redis://:password@host:6379/0)",
            )
        ]
    except Exception as exc:  # connection errors of every kind
        return [CheckResult("redis", False, f"cannot connect to {masked}: {_reason(exc)}", _REDIS_FIX)]
    finally:
        await client.aclose()
    return [CheckResult("redis", True, f"{masked} answers PING")]


_REDIS_FIX = "start Redis (redis-server) or fix the host and port in FREERIDE_REDIS_URL"


def check_secret_stores(store: ChainedSecretStore) -> list[CheckResult]:
    """Each store in the order can work here; an unavailable one is a warning (the chain skips it)."""
    results: list[CheckResult] = []
    for member in store.stores:
        name = f"secrets: {member.name}"
        try:
            member.check()
        except SecretStoreUnavailable as exc:
            results.append(CheckResult(name, True, f"skipped: {exc.problem}", exc.fix, warning=True))
            continue
        except SecretStoreError as exc:
            results.append(CheckResult(name, False, exc.problem, exc.fix))
            continue
        results.append(CheckResult(name, True, _store_note(member)))
    if not store.stores:
        results.append(
            CheckResult("secrets", True, "no secret stores in the order; keys come from settings only")
        )
    return results


def _store_note(store: SecretStore) -> str:
    if isinstance(store, FileSecretStore) and not store.path.exists():
        return f"{store.path} does not exist yet (created with mode 0600 on first write)"
    if isinstance(store, FileSecretStore):
        return f"{store.path} is private to its owner"
    return "usable"


def check_providers(settings: Settings, store: SecretStore) -> list[CheckResult]:
    """Each enabled provider that needs an API key has one, in settings or in a secret store."""
    results: list[CheckResult] = []
    for provider in settings.providers.enabled:
        name = f"provider: {provider}"
        secret = PROVIDERS_NEEDING_KEYS.get(provider)
        if secret is None:
            results.append(CheckResult(name, True, "needs no API key"))
            continue
        if settings.providers.api_key(provider) is not None:
            results.append(CheckResult(name, True, f"API key set in settings (providers.{secret})"))
            continue
        try:
            found = store.get(secret)
        except SecretStoreError as exc:
            results.append(CheckResult(name, False, f"cannot look up {secret}: {exc.problem}", exc.fix))
            continue
        if found:
            results.append(CheckResult(name, True, f"API key found in the secret store ({secret})"))
        else:
            results.append(
                CheckResult(
                    name,
                    False,
                    f"{provider} is enabled but has no API key",
                    f"set FREERIDE_PROVIDERS__{secret.upper()} or FREERIDE_SECRET_{secret.upper()}, "
                    f"or remove {provider} from FREERIDE_PROVIDERS__ENABLED",
                )
            )
    return results


def check_feeds(settings: Settings) -> list[CheckResult]:
    """Each feed's data file exists and this user can read it."""
    results: list[CheckResult] = []
    for index, feed in enumerate(settings.run.feeds):
        name = f"feed: {feed.symbol} {feed.interval}"
        path = feed.resolve_path()
        where = f"run.feeds[{index}].path (FREERIDE_RUN__FEEDS)"
        if not path.exists():
            results.append(CheckResult(name, False, f"data file {path} does not exist", f"fix {where}"))
        elif not path.is_file():
            results.append(CheckResult(name, False, f"{path} is not a file", f"point {where} at a CSV file"))
        elif not os.access(path, os.R_OK):
            results.append(CheckResult(name, False, f"data file {path} is not readable", f"chmod u+r {path}"))
        else:
            results.append(CheckResult(name, True, f"reads {path}"))
    return results


def check_broker(settings: Settings, store: SecretStore) -> list[CheckResult]:
    """The configured broker can work: Alpaca has both keys, Robinhood a stored session."""
    broker = settings.execution.broker
    name = f"broker: {broker}"
    if broker == "alpaca":
        alpaca = settings.execution.alpaca
        given = {"alpaca_key_id": alpaca.key_id, "alpaca_secret_key": alpaca.secret_key}
        missing: list[str] = []
        for secret in BROKER_SECRETS["alpaca"]:
            if given.get(secret) is not None:
                continue
            try:
                found = store.get(secret)
            except SecretStoreError as exc:
                return [CheckResult(name, False, f"cannot look up {secret}: {exc.problem}", exc.fix)]
            if not found:
                missing.append(secret)
        if missing:
            what = (
                f"alpaca needs {' and '.join(missing)}, and neither is set"
                if len(missing) == 2
                else f"alpaca needs {missing[0]}, which is not set"
            )
            fix = "; ".join(
                f"set FREERIDE_EXECUTION__ALPACA__{m.removeprefix('alpaca_').upper()} "
                f"or store the secret {m} (FREERIDE_SECRET_{m.upper()})"
                for m in missing
            )
            return [
                CheckResult(
                    name, False, what, f"{fix} — or trade on paper (FREERIDE_EXECUTION__BROKER=paper)"
                )
            ]
        mode = "paper" if alpaca.paper else "live"
        return [CheckResult(name, True, f"alpaca ({mode}): key id and secret key found")]
    if broker == "robinhood":
        return [_robinhood_session(name, store)]
    return [CheckResult(name, True, f"{broker}: simulated fills, no account needed")]


def _robinhood_session(name: str, store: SecretStore) -> CheckResult:
    login = "run `freeride broker login robinhood` (it stores the session in the secret store)"
    try:
        stored = store.get("robinhood_tokens")
    except SecretStoreError as exc:
        return CheckResult(name, False, f"cannot look up robinhood_tokens: {exc.problem}", exc.fix)
    if not stored:
        return CheckResult(name, False, "robinhood has no stored session (secret robinhood_tokens)", login)
    try:
        tokens = json.loads(stored)
    except ValueError:
        tokens = None
    if not isinstance(tokens, dict) or not tokens.get("refresh_token"):
        return CheckResult(
            name, False, "the stored robinhood session cannot be read (robinhood_tokens)", login
        )
    return CheckResult(name, True, "robinhood: a stored session (refreshed before it expires)")


def check_channels(settings: Settings) -> list[CheckResult]:
    """Every channel the settings name exists (``alerts.default_notify``; the operator channel is
    checked when the settings load)."""
    configured = settings.notify.channels
    unknown = [ch for ch in settings.alerts.default_notify if ch not in configured]
    if not unknown:
        return [CheckResult("channels", True, f"configured: {', '.join(configured) or 'none'}")]
    names = ", ".join(repr(ch) for ch in unknown)
    return [
        CheckResult(
            "channels",
            False,
            f"alerts.default_notify names channel {names}, which is not configured",
            channel_fix(configured, "remove it from FREERIDE_ALERTS__DEFAULT_NOTIFY"),
        )
    ]


def channel_fix(configured: list[str], other: str) -> str:
    """How to fix a reference to a channel that does not exist: what is configured, what to do."""
    if not configured:
        return (
            "no channel is configured: add one under [notify] in freeride.toml (e.g. "
            'FREERIDE_NOTIFY__DISCORD=\'{"alerts": "https://discord.com/api/webhooks/…"}\'), '
            f"or {other}"
        )
    return f"configured: {', '.join(configured)}; use one of them, add the channel under [notify], or {other}"
