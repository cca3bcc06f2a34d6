"""A fake Finnhub: REST under ``/api/v1`` and the trades WebSocket at ``/``.

REST faults: ``rate_limited bad_key premium html truncated nan negative unknown down``; the news
endpoints (``/company-news``, ``/news``) also ``garbage`` (not an array) and ``bad_items`` (the
defective articles of ``news_corpus.bad_articles`` mixed in). Candles
and forex rates answer 403 like a free key does, unless ``premium`` is set. The socket checks the
token, takes ``subscribe``/``unsubscribe``, and sends what the test queues: batched trade frames
(millisecond stamps), ``{"type":"ping"}`` keep-alives, or a dropped connection.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from datetime import date

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket

from freeride.core.clock import Clock
from freeride.testing.fakes.base import (
    FakeVendor,
    epoch_s,
    html,
    json_response,
    raw_json,
    truncated,
    weekdays_back,
)
from freeride.testing.fakes.news_corpus import Article, bad_articles, sample_articles
from freeride.testing.fakes.sockets import Connection, SocketHub

LIMIT = "API limit reached. Please try again later. Remaining Limit: 0"
NO_ACCESS = "You don't have access to this resource."


class FakeFinnhub(FakeVendor):
    def __init__(
        self,
        api_key: str = "fh-key",
        *,
        premium: bool = False,
        latency_s: float = 0.0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(latency_s=latency_s, clock=clock)
        self.api_key = api_key
        self.premium = premium
        self.hub = SocketHub()
        api = [
            Route("/quote", self._quote),
            Route("/stock/profile2", self._profile),
            Route("/stock/candle", self._candle),
            Route("/forex/rates", self._rates),
            Route("/company-news", self._company_news),
            Route("/news", self._market_news),
            Route("/search", self._search),
        ]
        # what ``/search`` lists: (symbol, description, type), as Finnhub's US listing does
        self.listed: list[tuple[str, str, str]] = [
            ("AAPL", "APPLE INC", "Common Stock"),
            ("AAPL.SW", "APPLE INC", "Common Stock"),
            ("RKLB", "ROCKET LAB USA INC", "Common Stock"),
            ("GOOG", "ALPHABET INC-CL C", "Common Stock"),
        ]
        self.articles: list[Article] = sample_articles(epoch_s(self.today, 20))
        self.app = Starlette(routes=[Mount("/api/v1", routes=api), WebSocketRoute("/", self._socket)])

    # -- REST ---------------------------------------------------------------------------------
    async def _check(self, request: Request, endpoint: str) -> Response | str | None:
        fault = await self.begin(endpoint)
        token = request.headers.get("x-finnhub-token") or request.query_params.get("token")
        if not token:
            return Response(
                "API limit reached. Please sign up for a free account to continue using the API.", 429
            )
        if token != self.api_key or fault == "bad_key":
            return json_response({"error": "Invalid API key"}, 401)
        if fault == "rate_limited":
            return json_response({"error": LIMIT}, 429)
        if fault == "premium":
            return json_response({"error": NO_ACCESS}, 403)
        if fault == "down":
            return html(502)
        if fault == "html":
            return html(200)
        if fault == "truncated":
            return truncated()
        return fault

    async def _quote(self, request: Request) -> Response:
        fault = await self._check(request, "quote")
        if isinstance(fault, Response):
            return fault
        symbol = request.query_params.get("symbol", "")
        if fault == "unknown":
            return json_response({"c": 0, "d": None, "dp": None, "h": 0, "l": 0, "o": 0, "pc": 0, "t": 0})
        if fault == "nan":
            return raw_json('{"c": NaN, "d": 0, "dp": 0, "h": 1, "l": 1, "o": 1, "pc": 1, "t": 1717430400}')
        price = self.price(symbol)
        c = -price if fault == "negative" else price
        pc = round(price * 0.99, 2)
        return json_response(
            {
                "c": c,
                "d": round(c - pc, 2),
                "dp": round((c - pc) / pc * 100, 4),
                "h": round(price * 1.01, 2),
                "l": round(price * 0.98, 2),
                "o": pc,
                "pc": pc,
                "t": epoch_s(self.today, 20),
            }
        )

    async def _search(self, request: Request) -> Response:
        """``/search?q=``: listings whose symbol or description contains the query."""
        fault = await self._check(request, "search")
        if isinstance(fault, Response):
            return fault
        query = request.query_params.get("q", "").upper()
        found = [
            {"description": desc, "displaySymbol": sym, "symbol": sym, "type": kind}
            for sym, desc, kind in self.listed
            if query and (query in sym or query in desc)
        ]
        return json_response({"count": len(found), "result": found})

    async def _profile(self, request: Request) -> Response:
        fault = await self._check(request, "profile2")
        if isinstance(fault, Response):
            return fault
        symbol = request.query_params.get("symbol", "")
        if fault == "unknown":
            return json_response({})
        return json_response(
            {
                "country": "US",
                "currency": "USD",
                "exchange": "NASDAQ NMS - GLOBAL MARKET",
                "finnhubIndustry": "Technology",
                "ipo": "1980-12-12",
                "logo": "",
                "marketCapitalization": 2_400_000.5,
                "name": f"{symbol} Inc",
                "phone": "14089961010",
                "shareOutstanding": 15_000.0,
                "ticker": symbol,
                "weburl": "https://www.example.com/",
            }
        )

    async def _candle(self, request: Request) -> Response:
        fault = await self._check(request, "candle")
        if isinstance(fault, Response):
            return fault
        if not self.premium:
            return json_response({"error": NO_ACCESS}, 403)
        q = request.query_params
        price = self.price(q.get("symbol", ""))
        days = [
            d for d in reversed(weekdays_back(self.today, 30)) if int(q["from"]) <= epoch_s(d) < int(q["to"])
        ]
        if not days:
            return json_response({"s": "no_data"})
        return json_response(
            {
                "c": [price] * len(days),
                "h": [price * 1.01] * len(days),
                "l": [price * 0.99] * len(days),
                "o": [price] * len(days),
                "s": "ok",
                "t": [epoch_s(d) for d in days],
                "v": [1000] * len(days),
            }
        )

    async def _rates(self, request: Request) -> Response:
        fault = await self._check(request, "forex_rates")
        if isinstance(fault, Response):
            return fault
        if not self.premium:
            return json_response({"error": NO_ACCESS}, 403)
        base = request.query_params.get("base", "USD")
        quotes = {q: self.price(f"{base}/{q}") for q in ("USD", "EUR", "JPY", "GBP", "CHF") if q != base}
        return json_response({"base": base, "quote": quotes})

    # -- news -------------------------------------------------------------------------------
    async def _company_news(self, request: Request) -> Response:
        fault = await self._check(request, "company-news")
        if isinstance(fault, Response):
            return fault
        q = request.query_params
        symbol = q.get("symbol", "")
        start, end = (
            date.fromisoformat(q.get("from", "1970-01-01")),
            date.fromisoformat(q.get("to", "2999-01-01")),
        )
        chosen = [a for a in self.articles if symbol in a.tickers and start <= a.published.date() <= end]
        return self._news_reply(chosen, fault, symbol)

    async def _market_news(self, request: Request) -> Response:
        fault = await self._check(request, "news")
        if isinstance(fault, Response):
            return fault
        category = request.query_params.get("category", "general")
        chosen = [
            a
            for a in self.articles
            if a.category == category or (category == "general" and a.category == "company")
        ]
        return self._news_reply(chosen, fault, "")

    def _news_reply(self, articles: list[Article], fault: str | None, symbol: str) -> Response:
        if fault == "garbage":
            return json_response({"data": "not an array"})
        if fault == "bad_items":
            articles = articles + bad_articles(epoch_s(self.today, 20))
        rows: list[object] = [
            {
                "category": a.category,
                "datetime": a.published_s if a.id != "b4" else "yesterday",
                "headline": a.headline,
                "id": zlib.crc32(a.id.encode()),
                "image": "",
                "related": ",".join(a.tickers) or symbol,
                "source": a.publisher,
                "summary": a.summary,
                "url": a.url,
            }
            for a in articles
        ]
        if fault == "bad_items":
            rows.append("not an object")
        return json_response(rows)

    # -- WebSocket ------------------------------------------------------------------------------
    async def _socket(self, ws: WebSocket) -> None:
        if ws.query_params.get("token") != self.api_key:
            await ws.close(code=1008)
            return
        await ws.accept()
        await self.hub.run(ws, self._on_message)

    async def _on_message(self, conn: Connection, text: str) -> None:
        message = json.loads(text)
        if message.get("type") == "subscribe":
            conn.symbols.add(message["symbol"])
        elif message.get("type") == "unsubscribe":
            conn.symbols.discard(message["symbol"])

    def trades(self, symbol: str, trades: Sequence[tuple[float, int, float]]) -> None:
        """Queue one frame of ``(price, unix ms, volume)`` trades for subscribers of ``symbol``."""
        self.hub.send(trade_frame(symbol, trades), symbol)

    def ping(self) -> None:
        self.hub.send('{"type":"ping"}')


def trade_frame(symbol: str, trades: Sequence[tuple[float, int, float]]) -> str:
    data = [{"s": symbol, "p": p, "t": t, "v": v, "c": ["1", "8", "24", "12"]} for p, t, v in trades]
    return json.dumps({"type": "trade", "data": data}, separators=(",", ":"))
