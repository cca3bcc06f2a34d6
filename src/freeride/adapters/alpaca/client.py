"""Transport and error mapping for Alpaca's trading API.

Keys travel in the ``APCA-API-KEY-ID`` / ``APCA-API-SECRET-KEY`` headers. What a failure means
depends on whether the request could have changed anything:

- a request that never left (connection refused, connect timeout): ``TemporaryError``;
- a state-changing request (``POST``, ``PATCH``, ``DELETE``) whose answer was lost (read timeout,
  dropped connection) or came back 5xx: ``UnknownOutcome`` — the order may exist;
- 422 "client_order_id must be unique": ``DuplicateOrder`` (the id is Alpaca's idempotency key);
- 403 with an order-level code (insufficient buying power or quantity): ``InvalidInput``;
- 401 and other 403s: ``AuthError``; 429: ``RateLimited`` (``X-RateLimit-Reset`` gives the wait).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from freeride.adapters.alpaca.config import AlpacaConfig
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import (
    AuthError,
    FreerideError,
    InvalidInput,
    RateLimited,
    TemporaryError,
    UnknownOutcome,
)
from freeride.net import http
from freeride.ports.broker import DuplicateOrder

DUPLICATE = "client_order_id must be unique"
_ORDER_REFUSALS = (40310000, 40310001)  # insufficient buying power / qty


class NotFound(FreerideError):
    """Alpaca answered 404: no such order or position."""


class AlpacaClient:
    def __init__(
        self, config: AlpacaConfig, clock: Clock, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.name = config.name
        self._clock = clock
        self._http = http.make_client(
            config.base_url,
            transport=transport,
            timeout_s=config.timeout_s,
            headers={
                "APCA-API-KEY-ID": config.key_id.get_secret_value(),
                "APCA-API-SECRET-KEY": config.secret_key.get_secret_value(),
            },
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        client_order_id: str = "",
    ) -> Any:
        changes = method in ("POST", "PATCH", "DELETE")
        try:
            response = await self._http.request(method, path, json=json_body, params=params)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TemporaryError(f"{self.name}: cannot connect: {type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            if changes:
                raise UnknownOutcome(
                    f"{self.name}: {method} {path}: no answer ({type(exc).__name__})", client_order_id
                ) from exc
            raise http.transport_error(self.name, exc) from exc
        error = self._error(response, method, path, client_order_id)
        if error is not None:
            raise error
        if response.status_code == 204 or not response.content:
            return None
        return http.decode_json(self.name, response)

    def _error(self, response: httpx.Response, method: str, path: str, cid: str) -> FreerideError | None:
        code = response.status_code
        if code < 300:
            return None
        body = _body(response)
        message = str(body.get("message") or response.text[:200])
        text = f"{self.name}: HTTP {code}: {message}"
        if code == 404:
            return NotFound(text)
        if code == 422 and DUPLICATE in message:
            return DuplicateOrder(text, cid)
        if code in (400, 422):
            return InvalidInput(text)
        if code == 403 and body.get("code") in _ORDER_REFUSALS:
            return InvalidInput(text)
        if code in (401, 403):
            return AuthError(text)
        if code == 429:
            return RateLimited(text, self._retry_after(response))
        if code >= 500 and method in ("POST", "PATCH", "DELETE"):
            return UnknownOutcome(f"{text} ({method} {path})", cid)
        return TemporaryError(text)

    def _retry_after(self, response: httpx.Response) -> float | None:
        hinted = http.retry_after(response)
        if hinted is not None:
            return hinted
        reset = response.headers.get("x-ratelimit-reset")
        try:
            return max(0.0, float(reset) - self._clock.now_ns() / NS_PER_SECOND) if reset else None
        except ValueError:
            return None

    async def aclose(self) -> None:
        await self._http.aclose()


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
