"""The HTTP client factory and the one mapping from HTTP faults to ``core.errors``.

Adapters build their client here with an optional ``transport``: production passes nothing,
unit tests pass ``httpx.ASGITransport(fake_app)``; the adapter code is the same either way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from freeride.core.errors import (
    AuthError,
    FreerideError,
    InvalidInput,
    RateLimited,
    TemporaryError,
)
from freeride.net.errors import BadReply, NotEntitled

DEFAULT_TIMEOUT_S = 10.0
_SNIPPET = 80


def make_client(
    base_url: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
) -> httpx.AsyncClient:
    """One pooled client per adapter; redirects are not followed (vendors use them for login pages)."""
    return httpx.AsyncClient(
        base_url=base_url,
        transport=transport,
        timeout=httpx.Timeout(timeout_s),
        headers=dict(headers or {}),
        params=dict(params or {}),
        follow_redirects=False,
    )


def transport_error(provider: str, exc: httpx.HTTPError) -> TemporaryError:
    """Timeouts, refused connections and protocol faults are all passing faults."""
    if isinstance(exc, httpx.TimeoutException):
        return TemporaryError(f"{provider}: timed out ({type(exc).__name__})")
    return TemporaryError(f"{provider}: connection failed: {type(exc).__name__}: {exc}")


def retry_after(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header in seconds (the date form is rare from APIs and ignored)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def status_error(provider: str, response: httpx.Response, message: str) -> FreerideError | None:
    """The error an HTTP status means, or ``None`` for a 2xx; ``message`` is the vendor's text."""
    code = response.status_code
    if code < 300:
        return None
    text = f"{provider}: HTTP {code}: {message}"
    if code == 429:
        return RateLimited(text, retry_after(response))
    if code == 401:
        return AuthError(text)
    if code == 403:
        return NotEntitled(text)
    if code in (400, 404, 422):
        return InvalidInput(text)
    if code >= 500 or code in (408, 413, 499):
        return TemporaryError(text)
    return TemporaryError(text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def decode_json(provider: str, response: httpx.Response) -> Any:
    """The body as JSON, or ``BadReply`` for HTML pages, truncated bodies and NaN literals."""
    body = response.content
    if not body.strip():
        raise BadReply(provider, f"empty body (HTTP {response.status_code})")
    head = body.lstrip()[:1]
    if head == b"<":
        raise BadReply(provider, f"an HTML page instead of JSON (HTTP {response.status_code})")
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        snippet = body[:_SNIPPET].decode("utf-8", "replace")
        raise BadReply(provider, f"not valid JSON ({exc}): {snippet!r}") from None


def vendor_message(response: httpx.Response) -> str:
    """The vendor's explanation: ``error`` or ``message`` of a JSON body, else the text itself."""
    try:
        data = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return response.text.strip()[:200]
    if isinstance(data, dict):
        for key in ("error", "message", "Error Message", "Information"):
            value = data.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, dict) and isinstance(value.get("description"), str):
                return str(value["description"])
    return response.text.strip()[:200]


async def get(
    client: httpx.AsyncClient, provider: str, path: str, params: Mapping[str, Any]
) -> httpx.Response:
    """``GET`` with transport errors mapped; the status is left for the adapter to interpret."""
    try:
        # An empty ``params`` would make httpx drop a query already in ``path`` (a ``next_url``).
        return await client.get(path, params=dict(params) if params else None)
    except httpx.HTTPError as exc:
        raise transport_error(provider, exc) from exc
