"""Transport and error mapping for Yahoo's ``/v8/finance/chart`` endpoint.

Yahoo fails in three ways: a plain-text 429 ``Too Many Requests`` (rate limited), a 404 with
``{"chart": {"error": {"description": "No data found, symbol may be delisted"}}}`` (unknown
symbol: ``NotAvailable``), and, worst, a 200 with an empty result, which ``parse`` refuses.
"""

from __future__ import annotations

from typing import Any

import httpx

from freeride.adapters.yahoo.config import YahooConfig
from freeride.core.errors import AuthError, InvalidInput, NotAvailable, RateLimited, TemporaryError
from freeride.net import http
from freeride.net.errors import BadReply

NAME = "yahoo"
DEFAULT_RETRY_S = 5.0


class YahooClient:
    def __init__(self, config: YahooConfig, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = http.make_client(
            config.base_url,
            transport=transport,
            timeout_s=config.timeout_s,
            headers={"User-Agent": config.user_agent, "Accept": "application/json"},
        )

    async def chart(self, symbol: str, **params: str | int) -> dict[str, Any]:
        response = await http.get(self._http, NAME, f"/v8/finance/chart/{symbol}", params)
        error = http.status_error(NAME, response, http.vendor_message(response))
        if isinstance(error, RateLimited) and error.retry_after is None:
            error.retry_after = DEFAULT_RETRY_S
        if isinstance(error, InvalidInput):
            error = NotAvailable(str(error))
        if isinstance(error, AuthError):  # no key to fix: Yahoo blocking this client, usually passing
            error = TemporaryError(f"{error} (Yahoo refused the client; it needs no key)")
        if error is not None:
            raise error
        data = http.decode_json(NAME, response)
        chart = data.get("chart") if isinstance(data, dict) else None
        if not isinstance(chart, dict):
            raise BadReply(NAME, "no 'chart' object in the reply")
        if chart.get("error"):
            raise NotAvailable(f"{NAME}: {chart['error']}")
        results = chart.get("result")
        if not isinstance(results, list) or not results or not isinstance(results[0], dict):
            raise NotAvailable(f"{NAME}: empty result for {symbol} (Yahoo's silent failure)")
        result: dict[str, Any] = results[0]
        return result

    async def answers(self, symbol: str, timeout_s: float) -> str | None:
        """``None`` when Yahoo answers anything at all within ``timeout_s`` (any status: a 429 or
        a 404 still proves the network answers), else what went wrong (refused, unresolved, timed
        out). Used to decide whether Yahoo can stand in for providers that have no key."""
        try:
            await self._http.get(
                f"/v8/finance/chart/{symbol}",
                params={"range": "1d", "interval": "1d"},
                timeout=httpx.Timeout(timeout_s),
            )
        except httpx.TimeoutException:
            return f"no answer within {timeout_s:g} s"
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return None

    async def aclose(self) -> None:
        await self._http.aclose()
