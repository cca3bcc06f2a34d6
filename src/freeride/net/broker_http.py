"""What a broker's HTTP failure means: one rule for every broker adapter (Alpaca, Robinhood, …).

What a failure means depends on whether the request could have changed anything at the broker:

- the request never left (connection refused, connect timeout, no free connection in the pool):
  ``TemporaryError``, nothing happened;
- a request that changes state (every method but ``GET``, ``HEAD`` and ``OPTIONS``: an order
  placed, replaced or cancelled) whose answer was lost (a read timeout, a dropped connection) or
  came back 5xx: ``UnknownOutcome``, it may have taken effect: look the order up by its client
  id, never send it again blindly;
- the same on a read: ``TemporaryError``, asking again is harmless;
- 404: ``NotFound``; 400 and 422: ``InvalidInput``; 401 and 403: ``AuthError``; 429:
  ``RateLimited`` with the wait the broker asked for; any other status: ``TemporaryError``.

A vendor's own meanings (Alpaca's "client_order_id must be unique", its order-level 403 codes,
Robinhood's ``ref_id`` refusal) are singled out by the adapter before it falls back on this.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from freeride.core.errors import (
    AuthError,
    FreerideError,
    InvalidInput,
    RateLimited,
    TemporaryError,
    UnknownOutcome,
)
from freeride.net import http

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NEVER_LEFT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class NotFound(FreerideError):
    """The broker answered 404: no such order or position."""


def changes_state(method: str) -> bool:
    return method.upper() not in SAFE_METHODS


async def send(
    client: httpx.AsyncClient,
    broker: str,
    method: str,
    path: str,
    *,
    json_body: Any = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    client_order_id: str = "",
) -> httpx.Response:
    """Send one request; a transport fault becomes ``TemporaryError`` or ``UnknownOutcome`` (above)."""
    try:
        return await client.request(
            method,
            path,
            json=json_body,
            params=dict(params) if params else None,
            headers=dict(headers) if headers else None,
        )
    except _NEVER_LEFT as exc:
        raise TemporaryError(f"{broker}: cannot connect: {type(exc).__name__}") from exc
    except httpx.HTTPError as exc:
        if changes_state(method):
            raise UnknownOutcome(
                f"{broker}: {method} {path}: no answer ({type(exc).__name__})", client_order_id
            ) from exc
        raise http.transport_error(broker, exc) from exc


def status_error(
    broker: str,
    response: httpx.Response,
    method: str,
    path: str,
    message: str,
    *,
    client_order_id: str = "",
    retry_after: float | None = None,
) -> FreerideError | None:
    """The error a broker's status means (``None`` for a 2xx); ``message`` is the broker's text,
    ``retry_after`` a wait the adapter read from its own headers (else ``Retry-After``)."""
    code = response.status_code
    if code < 300:
        return None
    text = f"{broker}: HTTP {code}: {message}"
    if code == 404:
        return NotFound(text)
    if code in (400, 422):
        return InvalidInput(text)
    if code in (401, 403):
        return AuthError(text)
    if code == 429:
        return RateLimited(text, retry_after if retry_after is not None else http.retry_after(response))
    if code >= 500 and changes_state(method):
        return UnknownOutcome(f"{text} ({method} {path})", client_order_id)
    return TemporaryError(text)
