"""Robinhood's REST API with the session's bearer token, and its faults mapped to ``core.errors``.

A 401 means the access token expired or was revoked: the token daemon refreshes (once, however
many requests saw the 401 together) and the request is sent again. That is safe for order
placement too, because every order carries a ``ref_id`` derived from its client order id, which
Robinhood treats as the order's idempotency key. A refresh that fails is an ``AuthError``.

Every other failure follows the one rule the brokers share (``net.broker_http``): a request that
never left is a ``TemporaryError``; one that may have changed something (any method but a read)
and got no answer, or a 5xx, is ``UnknownOutcome``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from freeride.adapters.robinhood.config import RobinhoodConfig
from freeride.adapters.robinhood.tokens import Tokens
from freeride.core.errors import AuthError
from freeride.net import broker_http, http
from freeride.net.broker_http import NotFound

NAME = "robinhood"

__all__ = ["NAME", "NotFound", "RobinhoodClient"]


class RobinhoodClient:
    def __init__(
        self,
        config: RobinhoodConfig,
        tokens: Callable[[], Tokens],
        refresh: Callable[[str], Awaitable[Tokens]],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._tokens = tokens
        self._refresh = refresh
        self._http = http.make_client(config.base_url, transport=transport, timeout_s=config.timeout_s)
        self.refreshed_on_401 = 0

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        client_order_id: str = "",
    ) -> Any:
        token = self._tokens().access_token
        response = await self._send(method, path, token, json_body, params, client_order_id)
        if response.status_code == 401:
            self.refreshed_on_401 += 1
            fresh = await self._refresh(token)
            response = await self._send(method, path, fresh.access_token, json_body, params, client_order_id)
            if response.status_code == 401:
                raise AuthError(
                    f"{NAME}: the refreshed token was refused too: {http.vendor_message(response)}"
                )
        self._raise_for(response, method, path, client_order_id)
        if response.status_code == 204 or not response.content:
            return None
        return http.decode_json(NAME, response)

    async def _send(
        self,
        method: str,
        path: str,
        token: str,
        json_body: dict[str, Any] | None,
        params: dict[str, str] | None,
        cid: str,
    ) -> httpx.Response:
        return await broker_http.send(
            self._http,
            NAME,
            method,
            path,
            json_body=json_body,
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            client_order_id=cid,
        )

    def _raise_for(self, response: httpx.Response, method: str, path: str, cid: str) -> None:
        message = http.vendor_message(response) or _detail(response)
        error = broker_http.status_error(NAME, response, method, path, message, client_order_id=cid)
        if error is not None:
            raise error

    async def aclose(self) -> None:
        await self._http.aclose()


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:120]
    return str(data.get("detail", data)) if isinstance(data, dict) else str(data)[:120]
