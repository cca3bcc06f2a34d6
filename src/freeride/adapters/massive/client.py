"""Transport and error mapping for Massive's REST API.

Auth is ``Authorization: Bearer <key>``. Errors carry their text under ``error`` (401, 429) or
``message`` (403 ``NOT_AUTHORIZED``: the plan lacks the data, i.e. ``NotEntitled``); a 200 whose
``status`` is not a success is an error too. The v2 endpoints say ``OK`` (or ``DELAYED`` on a
delayed plan); the older v1 last forex quote says ``success``.
"""

from __future__ import annotations

from typing import Any

import httpx

from freeride.adapters.massive.config import MassiveConfig
from freeride.core.errors import NotAvailable, RateLimited
from freeride.net import http
from freeride.net.errors import BadReply, NotEntitled

NAME = "massive"
DEFAULT_RETRY_S = 12.0  # 5 calls a minute
_OK = ("OK", "DELAYED", "success")


class MassiveClient:
    def __init__(self, config: MassiveConfig, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = http.make_client(
            config.base_url,
            transport=transport,
            timeout_s=config.timeout_s,
            headers={"Authorization": f"Bearer {config.api_key.get_secret_value()}"},
        )

    async def get(self, path: str, **params: str | int) -> dict[str, Any]:
        """``path`` may be a full ``next_url``; httpx keeps our auth header for it."""
        response = await http.get(self._http, NAME, path, params)
        error = http.status_error(NAME, response, http.vendor_message(response))
        if isinstance(error, RateLimited) and error.retry_after is None:
            error.retry_after = DEFAULT_RETRY_S
        if isinstance(error, NotEntitled) and "end of day" in str(error):
            error = NotAvailable(str(error))  # today's bar, asked too early: not a plan limit
        if error is not None:
            raise error
        data = http.decode_json(NAME, response)
        if not isinstance(data, dict):
            raise BadReply(NAME, f"expected a JSON object, got {type(data).__name__}")
        if data.get("status") not in _OK:
            text = data.get("error") or data.get("message") or data.get("status")
            raise BadReply(NAME, f"status {data.get('status')!r}: {text}")
        return data

    async def aclose(self) -> None:
        await self._http.aclose()
