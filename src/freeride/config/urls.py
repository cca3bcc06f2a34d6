"""URL checks and password masking shared by settings, doctor and logging.

Connection URLs carry passwords (``postgresql://user:pass@host/db``), and URLs end up in error
messages and log lines; every place that shows one goes through ``mask_url`` so the password never
reaches a terminal or a log file.
"""

from __future__ import annotations

import re

URL_PASSWORD_MASK = "***"

# scheme://user:password@host — the password is whatever sits between the user's colon and the '@'.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/?#@\s]*:)(?P<password>[^@\s/]+)(?=@)")

# What a plain scheme is rewritten to, so users can paste the URL their database tool shows them.
_DATABASE_SCHEMES: dict[str, str] = {
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "sqlite": "sqlite+aiosqlite",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}
_REDIS_SCHEMES = ("redis", "rediss", "unix")

DATABASE_URL_FIX = (
    "use sqlite+aiosqlite:///./freeride.db or postgresql+asyncpg://user:password@host:5432/dbname"
)


def mask_url(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _URL_PASSWORD.sub(rf"\g<head>{URL_PASSWORD_MASK}", text)


def url_scheme(url: str) -> str:
    """The part before ``://`` (lower-cased), or ``""`` when there is none."""
    scheme, sep, _ = url.partition("://")
    return scheme.strip().lower() if sep else ""


def normalise_database_url(url: str) -> str:
    """The URL with an async driver: ``sqlite:`` → ``sqlite+aiosqlite:``, ``postgres(ql):`` → asyncpg.

    Raises ``ValueError`` with a masked URL when the scheme is not one freeride can drive, because
    the storage layer runs on SQLAlchemy's asyncio engine and only these two drivers are tested.
    """
    text = url.strip()
    scheme = url_scheme(text)
    if not scheme:
        raise ValueError(f"{mask_url(text)!r} is not a URL (no 'scheme://')")
    target = _DATABASE_SCHEMES.get(scheme)
    if target is None:
        supported = "sqlite+aiosqlite, postgresql+asyncpg (or plain sqlite, postgresql, postgres)"
        raise ValueError(f"database scheme {scheme!r} is not supported (supported: {supported})")
    normalised = target + text[len(scheme) :]
    # Parse it the way the engine will, so a malformed URL fails here and not at first connect.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(normalised)
    except (ArgumentError, ValueError) as exc:
        raise ValueError(f"{mask_url(text)!r} is not a valid database URL") from exc
    return normalised


def check_redis_url(url: str) -> str:
    """The URL, stripped; raises ``ValueError`` (URL masked) unless it is a redis-py URL."""
    text = url.strip()
    scheme = url_scheme(text)
    if scheme not in _REDIS_SCHEMES:
        shown = repr(scheme) if scheme else f"{mask_url(text)!r} has no scheme"
        raise ValueError(f"redis URL scheme {shown} is not supported (use redis://, rediss:// or unix://)")
    return text
