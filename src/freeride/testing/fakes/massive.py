"""A fake Massive (Polygon): aggregates v2, last trade, last forex quote, the stocks WebSocket.

REST faults: ``rate_limited bad_key not_entitled too_early html truncated negative wrong_symbol
down``, and for the last forex quote also ``crossed`` (bid above ask) and ``no_last``.
With ``free_plan`` the two "last" endpoints (paid data) answer 403 ``NOT_AUTHORIZED`` as they do
for a free key; aggregates still answer.
Aggregates page through ``next_url`` when more bars match than ``limit``. The last forex quote
(``/v1/last_quote/currencies/{from}/{to}``) answers in the v1 shape: ``status`` ``success``, the
pair as ``symbol`` (``EUR/USD``), ``last`` with ``bid``/``ask`` and a millisecond ``timestamp``.
The socket greets with ``connected``, wants ``auth`` first (``auth_success`` / ``auth_failed``),
then ``subscribe``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from freeride.core.clock import Clock
from freeride.testing.fakes.base import FakeVendor, epoch_s, html, json_response, truncated
from freeride.testing.fakes.news_corpus import Article, bad_articles, sample_articles
from freeride.testing.fakes.sockets import Connection, SocketHub

RATE = (
    "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue."
)
NOT_ENTITLED = "You are not entitled to this data. Please upgrade your plan at https://massive.com/pricing"
TOO_EARLY = "Attempted to request today's data before end of day. Please upgrade your plan at https://massive.com/pricing"
FX_HALF_SPREAD = 0.00004  # under a pip each side, as for a major pair
SPAN_MS = {"minute": 60_000, "hour": 3_600_000, "day": 86_400_000, "week": 604_800_000}


class FakeMassive(FakeVendor):
    def __init__(
        self,
        api_key: str = "ms-key",
        *,
        free_plan: bool = False,
        latency_s: float = 0.0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(latency_s=latency_s, clock=clock)
        self.api_key = api_key
        self.free_plan = free_plan
        self.page_size = 50_000  # Massive's own cap on ``limit``
        self.hub = SocketHub()
        self.articles: list[Article] = sample_articles(epoch_s(self.today, 20))
        self.news_page_size = 2  # small pages, so paging is exercised
        self.foreign_next_url = False
        self.app = Starlette(
            routes=[
                Route("/v2/aggs/ticker/{ticker}/range/{mult:int}/{span}/{start}/{end}", self._aggs),
                Route("/v2/last/trade/{ticker}", self._last_trade),
                Route("/v1/last_quote/currencies/{base}/{quote}", self._last_forex_quote),
                Route("/v2/reference/news", self._news),
                WebSocketRoute("/stocks", self._socket),
            ]
        )

    async def _check(self, request: Request, endpoint: str, *, paid: bool = False) -> Response | str | None:
        fault = await self.begin(endpoint)
        if paid:
            fault = self._paid(fault)
        auth = request.headers.get("authorization", "")
        key = auth.removeprefix("Bearer ") if auth else request.query_params.get("apiKey", "")
        rid = f"req-{self.total_calls}"
        if key != self.api_key or fault == "bad_key":
            return json_response({"status": "ERROR", "request_id": rid, "error": "Unknown API Key"}, 401)
        if fault == "rate_limited":
            return json_response({"status": "ERROR", "request_id": rid, "error": RATE}, 429)
        if fault == "not_entitled":
            return json_response(
                {"status": "NOT_AUTHORIZED", "request_id": rid, "message": NOT_ENTITLED}, 403
            )
        if fault == "too_early":
            body = {"status": "NOT_AUTHORIZED", "request_id": rid, "message": TOO_EARLY}
            return json_response(body, 403)
        if fault == "down":
            return html(502)
        if fault == "html":
            return html(200)
        if fault == "truncated":
            return truncated('{"ticker":"AAPL","queryCount":2,"results":[{"v":642646396.0,"o":1.50')
        return fault

    async def _aggs(self, request: Request) -> Response:
        fault = await self._check(request, "aggs")
        if isinstance(fault, Response):
            return fault
        p = request.path_params
        ticker, step = p["ticker"], p["mult"] * SPAN_MS[p["span"]]
        start, end = int(p["start"]), int(p["end"])
        after = int(request.query_params.get("cursor", start))
        limit = min(int(request.query_params.get("limit", 5000)), self.page_size)
        stamps = list(range(after - after % step + (step if after % step else 0), end + 1, step))
        if p["span"] in ("day", "week"):
            stamps = [t for t in stamps if datetime.fromtimestamp(t / 1000, UTC).weekday() < 5]
        page, rest = stamps[:limit], stamps[limit:]
        price = self.price(ticker)
        results = [_agg(price * (1 + 0.001 * (i % 7 - 3)), t) for i, t in enumerate(page)]
        if fault == "negative" and results:
            results[0]["c"] = -1.0
        body: dict[str, Any] = {
            "ticker": "MSFT" if fault == "wrong_symbol" else ticker,
            "queryCount": len(results),
            "resultsCount": len(results),
            "adjusted": True,
            "status": "OK",
            "request_id": f"req-{self.total_calls}",
            "count": len(results),
        }
        if results:
            body["results"] = results
        if rest:
            body["next_url"] = f"{request.url.path}?cursor={rest[0]}&limit={limit}"
        return json_response(body)

    async def _news(self, request: Request) -> Response:
        fault = await self._check(request, "news")
        if isinstance(fault, Response):
            return fault
        q = request.query_params
        ticker = q.get("ticker")
        gte = q.get("published_utc.gte", "")
        lt = q.get("published_utc.lt", "9999")
        chosen = [
            a
            for a in self.articles
            if (ticker is None or ticker in a.tickers) and gte <= _iso(a.published_s) < lt
        ]
        if fault == "bad_items":
            chosen = chosen + bad_articles(epoch_s(self.today, 20))
        offset = int(q.get("cursor", "0"))
        limit = min(int(q.get("limit", "10")), self.news_page_size)
        page = chosen[offset : offset + limit]
        body: dict[str, Any] = {
            "status": "OK",
            "request_id": f"req-{self.total_calls}",
            "count": len(page),
            "results": [_news_result(a, ticker) for a in page],
        }
        if fault == "garbage":
            body["results"] = {"not": "a list"}
        if offset + limit < len(chosen):
            rest = dict(q)
            rest["cursor"] = str(offset + limit)
            host = "https://evil.example.com" if self.foreign_next_url else str(request.base_url).rstrip("/")
            body["next_url"] = f"{host}/v2/reference/news?" + "&".join(f"{k}={v}" for k, v in rest.items())
        return json_response(body)

    def _paid(self, fault: str | None) -> str | None:
        """A free key asking for paid data is refused exactly like a scripted ``not_entitled``."""
        return "not_entitled" if self.free_plan and fault is None else fault

    async def _last_trade(self, request: Request) -> Response:
        fault = await self._check(request, "last_trade", paid=True)
        if isinstance(fault, Response):
            return fault
        ticker = request.path_params["ticker"]
        when = datetime(self.today.year, self.today.month, self.today.day, 19, 59, tzinfo=UTC)
        price = self.price(ticker)
        return json_response(
            {
                "results": {
                    "c": [12, 37],
                    "i": "237688",
                    "p": -price if fault == "negative" else price,
                    "s": 2,
                    "x": 4,
                    "r": 202,
                    "z": 3,
                    "T": "MSFT" if fault == "wrong_symbol" else ticker,
                    "t": int(when.timestamp()) * 1_000_000_000,
                    "q": 7084210,
                },
                "status": "OK",
                "request_id": f"req-{self.total_calls}",
            }
        )

    async def _last_forex_quote(self, request: Request) -> Response:
        fault = await self._check(request, "last_quote", paid=True)
        if isinstance(fault, Response):
            return fault
        base, quote = request.path_params["base"], request.path_params["quote"]
        when = datetime(self.today.year, self.today.month, self.today.day, 19, 59, tzinfo=UTC)
        mid = self.price(f"{base}/{quote}")
        bid, ask = round(mid - FX_HALF_SPREAD, 6), round(mid + FX_HALF_SPREAD, 6)
        if fault == "negative":
            bid = -bid
        elif fault == "crossed":
            bid, ask = ask, bid
        body: dict[str, Any] = {
            "last": {"ask": ask, "bid": bid, "exchange": 48, "timestamp": int(when.timestamp()) * 1000},
            "request_id": f"req-{self.total_calls}",
            "status": "success",
            "symbol": f"{quote}/{base}" if fault == "wrong_symbol" else f"{base}/{quote}",
        }
        if fault == "no_last":
            del body["last"]
        return json_response(body)

    # -- WebSocket ------------------------------------------------------------------------------
    async def _socket(self, ws: WebSocket) -> None:
        await ws.accept()
        await ws.send_text(_status("connected", "Connected Successfully"))
        await self.hub.run(ws, self._on_message)

    async def _on_message(self, conn: Connection, text: str) -> None:
        message = json.loads(text)
        action, params = message.get("action"), str(message.get("params", ""))
        if action == "auth":
            ok = params == self.api_key
            conn.outbox.put_nowait(
                _status("auth_success", "authenticated")
                if ok
                else _status("auth_failed", "authentication failed")
            )
        elif action in ("subscribe", "unsubscribe"):
            for channel in filter(None, params.split(",")):
                symbol = channel.split(".", 1)[-1]
                (conn.symbols.add if action == "subscribe" else conn.symbols.discard)(symbol)
                conn.outbox.put_nowait(_status("success", f"{action}d to: {channel}"))

    def trades(self, symbol: str, trades: list[tuple[float, int, float]]) -> None:
        """Queue one message array of ``(price, unix ms, size)`` trades for subscribers of ``symbol``."""
        events = [
            {"ev": "T", "sym": symbol, "x": 4, "i": str(i), "z": 3, "p": p, "s": s, "c": [12], "t": t, "q": i}
            for i, (p, t, s) in enumerate(trades)
        ]
        self.hub.send(json.dumps(events), symbol)

    def quote(self, symbol: str, bid: float, ask: float, t_ms: int) -> None:
        event = {
            "ev": "Q",
            "sym": symbol,
            "bx": 4,
            "bp": bid,
            "bs": 1,
            "ax": 7,
            "ap": ask,
            "as": 2,
            "t": t_ms,
        }
        self.hub.send(json.dumps([event]), symbol)


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _news_result(a: Article, ticker: str | None) -> dict[str, Any]:
    published = "not a date" if a.id == "b4" else _iso(a.published_s)
    result: dict[str, Any] = {
        "id": a.id,
        "publisher": {
            "name": a.publisher,
            "homepage_url": "https://example.com/",
            "logo_url": "",
            "favicon_url": "",
        },
        "title": a.headline,
        "author": "Staff",
        "published_utc": published,
        "article_url": a.url,
        "tickers": a.tickers,
        "description": a.summary,
        "keywords": [a.category],
    }
    if ticker and ticker in a.tickers:
        sentiment = "positive" if a.sentiment > 0.15 else "negative" if a.sentiment < -0.15 else "neutral"
        result["insights"] = [{"ticker": ticker, "sentiment": sentiment, "sentiment_reasoning": "fake"}]
    return result


def _agg(c: float, t: int) -> dict[str, float | int]:
    return {"v": 1000.0, "vw": c, "o": c * 0.999, "c": c, "h": c * 1.01, "l": c * 0.99, "t": t, "n": 10}


def _status(status: str, message: str) -> str:
    return json.dumps([{"ev": "status", "status": status, "message": message}])
