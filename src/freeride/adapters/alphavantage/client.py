"""Transport and error mapping for Alpha Vantage.

The one fact that shapes this module: every refusal (bad key, bad call, daily quota, burst,
premium-only) comes back as HTTP 200 with a body whose only key is ``Error Message``,
``Information`` or ``Note``. The key varies between reports of the same condition, so the text
decides what the error means.
"""

from __future__ import annotations

from typing import Any

import httpx

from freeride.adapters.alphavantage.config import AlphaVantageConfig
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import AuthError, FreerideError, InvalidInput, NotAvailable, RateLimited
from freeride.net import http
from freeride.net.errors import BadReply, NotEntitled, QuotaExhausted
from freeride.net.limiter import next_utc_midnight_ns

NAME = "alphavantage"
BURST_RETRY_S = 1.0
LEGACY_MINUTE_RETRY_S = 60.0
_NOTICE_KEYS = ("Error Message", "Information", "Note")


def classify(message: str, now_ns: int) -> FreerideError:
    """The error an Alpha Vantage notice means, decided by its text."""
    text = message.lower()
    short = f"{NAME}: {message[:160]}"
    if "apikey is invalid" in text or "apikey is missing" in text or "invalid api key" in text:
        return AuthError(short)
    if "no articles found" in text:  # NEWS_SENTIMENT with nothing in the window: not a fault
        return NotAvailable(short)
    if "invalid api call" in text or "invalid inputs" in text:
        return InvalidInput(short)
    if "per minute" in text:  # the pre-2024 "5 calls per minute and 500 calls per day" note
        return RateLimited(short, LEGACY_MINUTE_RETRY_S)
    if "per second" in text or "spreading out" in text or "burst" in text:
        return RateLimited(short, BURST_RETRY_S)
    if "premium feature" in text or "premium endpoint" in text or "premium-only" in text:
        return NotEntitled(short)
    if "per day" in text:
        reset = (next_utc_midnight_ns(now_ns) - now_ns) / NS_PER_SECOND
        return QuotaExhausted(short, reset)
    if "premium" in text:
        return NotAvailable(short)
    return BadReply(NAME, f"unrecognised notice: {message[:160]!r}")


class AlphaVantageClient:
    """``query(function, **params)`` returns the JSON object or raises a ``core.errors`` error."""

    def __init__(
        self, config: AlphaVantageConfig, clock: Clock, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._config = config
        self._clock = clock
        self._http = http.make_client(config.base_url, transport=transport, timeout_s=config.timeout_s)

    async def query(self, function: str, **params: str) -> dict[str, Any]:
        query = {"function": function, **params, "apikey": self._config.api_key.get_secret_value()}
        response = await http.get(self._http, NAME, "/query", query)
        error = http.status_error(NAME, response, http.vendor_message(response))
        if error is not None:
            raise error
        data = http.decode_json(NAME, response)
        if not isinstance(data, dict):
            raise BadReply(NAME, f"expected a JSON object, got {type(data).__name__}")
        for key in _NOTICE_KEYS:
            notice = data.get(key)
            if isinstance(notice, str) and len(data) <= 2:
                raise classify(notice, self._clock.now_ns())
        return data

    async def aclose(self) -> None:
        await self._http.aclose()
