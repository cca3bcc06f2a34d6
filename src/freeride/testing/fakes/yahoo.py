"""A fake Yahoo Finance chart endpoint: ``/v8/finance/chart/{symbol}``.

Faults: ``rate_limited`` (plain-text 429), ``not_found`` (404 "possibly delisted"), ``empty``
(HTTP 200 with a result but no data: Yahoo's silent failure), ``null_result``, ``html``,
``truncated``, ``negative``, ``wrong_symbol``.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from freeride.core.clock import Clock
from freeride.testing.fakes.base import FakeVendor, epoch_s, html, json_response, truncated, weekdays_back

NOT_FOUND = {
    "chart": {
        "result": None,
        "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
    }
}


class FakeYahoo(FakeVendor):
    def __init__(self, *, latency_s: float = 0.0, clock: Clock | None = None) -> None:
        super().__init__(latency_s=latency_s, clock=clock)
        self.app = Starlette(routes=[Route("/v8/finance/chart/{symbol}", self._chart)])

    async def _chart(self, request: Request) -> Response:
        fault = await self.begin("chart")
        if fault == "rate_limited":
            return Response("Too Many Requests\r\n", 429, media_type="text/plain")
        if fault == "not_found":
            return json_response(NOT_FOUND, 404)
        if fault == "html":
            return html(200)
        if fault == "truncated":
            return truncated(
                '{"chart":{"result":[{"meta":{"currency":"USD","symbol":"AAPL","regularMarketPri'
            )
        if fault == "null_result":
            return json_response({"chart": {"result": None, "error": None}})
        symbol = request.path_params["symbol"]
        shown = "MSFT" if fault == "wrong_symbol" else symbol
        price = self.price(symbol)
        meta: dict[str, Any] = {
            "currency": "USD",
            "symbol": shown,
            "exchangeName": "NMS",
            "instrumentType": "EQUITY",
            "regularMarketTime": epoch_s(self.today, 20),
            "gmtoffset": -14400,
            "timezone": "EDT",
            "exchangeTimezoneName": "America/New_York",
            "regularMarketPrice": -price if fault == "negative" else price,
            "chartPreviousClose": round(price * 0.99, 2),
            "previousClose": round(price * 0.99, 2),
            "regularMarketVolume": 50_000_000,
            "dataGranularity": request.query_params.get("interval", "1d"),
        }
        result: dict[str, Any] = {"meta": meta}
        if fault == "empty":
            meta.pop("regularMarketPrice")
            return json_response({"chart": {"result": [result], "error": None}})
        q = request.query_params
        if "period1" in q:
            start, end = int(q["period1"]), int(q["period2"])
            days = [d for d in reversed(weekdays_back(self.today, 60)) if start <= epoch_s(d) < end]
        else:
            days = [self.today]
        closes = [round(price * (1 + 0.001 * (i % 5 - 2)), 4) for i in range(len(days))]
        if days:
            result["timestamp"] = [epoch_s(d, 13, 30) for d in days]
            result["indicators"] = {
                "quote": [
                    {
                        "open": closes,
                        "high": [c * 1.01 for c in closes],
                        "low": [c * 0.99 for c in closes],
                        "close": closes,
                        "volume": [1_000_000] * len(days),
                    }
                ],
                "adjclose": [{"adjclose": closes}],
            }
        return json_response({"chart": {"result": [result], "error": None}})
