"""Transport and error mapping for Finnhub's REST API.

The key travels in the ``X-Finnhub-Token`` header (never in a URL that could be logged). A 403
means the plan does not include the endpoint (candles since 2024, forex rates): ``NotEntitled``,
which the gateway treats as "ask the next provider", never as an outage. A 429 is the per-minute
limit; Finnhub sends no ``Retry-After``, so the wait defaults to one second.
"""

from __future__ import annotations

from typing import Any

import httpx

from freeride.adapters.finnhub.config import FinnhubConfig
from freeride.core.errors import AuthError, FreerideError, RateLimited
from freeride.net import http
from freeride.net.errors import BadReply, NotEntitled

NAME = "finnhub"
DEFAULT_RETRY_S = 1.0


def _error_from_text(message: str) -> FreerideError:
    """An ``{"error": …}`` body that came with HTTP 200, classified by its text."""
    text = message.lower()
    if "limit" in text:
        return RateLimited(f"{NAME}: {message}", DEFAULT_RETRY_S)
    if "api key" in text or "token" in text:
        return AuthError(f"{NAME}: {message}")
    if "access" in text or "premium" in text:
        return NotEntitled(f"{NAME}: {message}")
    return BadReply(NAME, message[:160])


class FinnhubClient:
    def __init__(self, config: FinnhubConfig, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = http.make_client(
            config.base_url,
            transport=transport,
            timeout_s=config.timeout_s,
            headers={"X-Finnhub-Token": config.api_key.get_secret_value()},
        )

    async def get(self, path: str, **params: str | int) -> Any:
        response = await http.get(self._http, NAME, path, params)
        error = http.status_error(NAME, response, http.vendor_message(response))
        if isinstance(error, RateLimited) and error.retry_after is None:
            error.retry_after = DEFAULT_RETRY_S
        if error is not None:
            raise error
        data = http.decode_json(NAME, response)
        if isinstance(data, dict) and set(data) == {"error"}:
            raise _error_from_text(str(data["error"]))
        return data

    async def aclose(self) -> None:
        await self._http.aclose()
