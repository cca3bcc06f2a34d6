"""Transport and error mapping for Alpaca's trading API.

Keys travel in the ``APCA-API-KEY-ID`` / ``APCA-API-SECRET-KEY`` headers. Failures follow the one
rule every broker shares (``net.broker_http``): a request that never left is a ``TemporaryError``;
a state-changing request (``POST``, ``PATCH``, ``DELETE``) whose answer was lost or came back 5xx
is ``UnknownOutcome`` (the order may exist). Alpaca's own meanings come first:

- 422 "client_order_id must be unique": ``DuplicateOrder`` (the id is Alpaca's idempotency key);
- 403 with an order-level code (insufficient buying power or quantity): ``InvalidInput``;
- 429: ``RateLimited``, the wait from ``Retry-After`` or else ``X-RateLimit-Reset``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from freeride.adapters.alpaca.config import AlpacaConfig
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import FreerideError, InvalidInput
from freeride.net import broker_http, http
from freeride.net.broker_http import NotFound
from freeride.ports.broker import DuplicateOrder

DUPLICATE = "client_order_id must be unique"
_ORDER_REFUSALS = (40310000, 40310001)  # insufficient buying power / qty


__all__ = ["AlpacaClient", "NotFound"]


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
        response = await broker_http.send(
            self._http,
            self.name,
            method,
            path,
            json_body=json_body,
            params=params,
            client_order_id=client_order_id,
        )
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
        if code == 422 and DUPLICATE in message:
            return DuplicateOrder(text, cid)
        if code == 403 and body.get("code") in _ORDER_REFUSALS:
            return InvalidInput(text)
        retry_after = self._retry_after(response) if code == 429 else None
        return broker_http.status_error(
            self.name, response, method, path, message, client_order_id=cid, retry_after=retry_after
        )

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
