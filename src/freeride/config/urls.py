"""URL checks and credential masking shared by settings, doctor and logging.

URLs carry credentials: connection passwords (``postgresql://user:pass@host/db``), API keys in the
query string (Alpha Vantage's ``apikey=``, Finnhub's ``token=``, Massive's ``apiKey=``) and a
Discord webhook's token as its last path segment. URLs end up in error messages and log lines
(an HTTP client logs every request it makes); every place that shows one goes through
``mask_url`` so none of these reaches a terminal or a log file.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

URL_PASSWORD_MASK = "***"

# scheme://user:password@host — the password is whatever sits between the user's colon and the '@'.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/?#@\s]*:)(?P<password>[^@\s/]+)(?=@)")
# apikey=…, &refresh_token=…, ?client_secret=…, api-key=… — a parameter, in a query string or a
# form body, whose name ends in a credential word.
_QUERY_SECRET = re.compile(
    r"(?P<head>(?:(?<=[?&\s;,])|^)[\w.\-]*(?:key|token|secret|password|passwd|passphrase|signature|sig)=)"
    r"(?P<value>[^&#\s'\"]+)",
    re.IGNORECASE,
)
# https://discord.com/api/webhooks/<id>/<token> — whoever has the URL can post as the webhook.
_WEBHOOK_TOKEN = re.compile(r"(?P<head>/api(?:/v\d+)?/webhooks/\d+/)(?P<token>[\w.\-]+)")

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
    """``text`` with every URL's password, credential query parameters and webhook token as ``***``."""
    if "://" not in text and "=" not in text and "/webhooks/" not in text:
        return text  # most log strings hold no URL at all: skip the expressions
    masked = _URL_PASSWORD.sub(rf"\g<head>{URL_PASSWORD_MASK}", text)
    masked = _QUERY_SECRET.sub(rf"\g<head>{URL_PASSWORD_MASK}", masked)
    return _WEBHOOK_TOKEN.sub(rf"\g<head>{URL_PASSWORD_MASK}", masked)


_TOKEN_SEGMENT = re.compile(r"^(?=.*[A-Za-z])(?=.*[0-9])[A-Za-z0-9_\-.~]{16,}$")
# user:password@ wherever it sits, also where a path type folded "scheme://" into "scheme:/"
_USERINFO = re.compile(r"(?P<head>(?:^|[/:])[^/@:\s]*:)(?P<password>[^@/\s]+)(?=@)")


def mask_setting(text: str) -> str:
    """A setting's value as ``GET /api/v1/settings`` shows it: stricter than ``mask_url``.

    A log line needs its query strings (``symbol=AAPL``) to be useful; a settings page needs only
    to say where things point. So in a URL every query value, the fragment, the password and any
    path segment that looks like a token (16 or more letters and digits, as Slack and Discord put
    in webhook paths) are masked, besides everything ``mask_url`` masks.
    """
    masked = _USERINFO.sub(rf"\g<head>{URL_PASSWORD_MASK}", mask_url(text))
    if ":/" not in masked:
        return masked
    try:
        parts = urlsplit(masked.strip())
    except ValueError:
        return URL_PASSWORD_MASK  # not parseable as a URL, but looks like one: show nothing
    if not parts.scheme:
        return masked
    path = "/".join(
        URL_PASSWORD_MASK if _TOKEN_SEGMENT.match(segment) else segment for segment in parts.path.split("/")
    )
    query = "&".join(
        f"{name}={URL_PASSWORD_MASK}" if sep else name
        for name, sep, _value in (pair.partition("=") for pair in parts.query.split("&") if pair)
    )
    out = f"{parts.scheme}://{parts.netloc}" if "://" in masked else f"{parts.scheme}:"
    out += path + (f"?{query}" if query else "")
    return out + (f"#{URL_PASSWORD_MASK}" if parts.fragment else "")


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
