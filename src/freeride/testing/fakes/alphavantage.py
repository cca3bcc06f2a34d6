"""A fake Alpha Vantage: ``GET /query?function=…&apikey=…`` with the real shapes and notices.

Every refusal is HTTP 200 with a single ``Error Message`` / ``Information`` / ``Note`` key, as the
real service does; the daily quota (25 by default) is counted and answered with the real text.
Faults: ``bad_key bad_call quota burst premium legacy_note html truncated nan negative
wrong_symbol empty_quote down``; for ``NEWS_SENTIMENT`` also ``garbage`` (``feed`` not an array)
and ``bad_items`` (defective articles mixed in, one with an unreadable ``time_published``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from freeride.core.clock import Clock
from freeride.testing.fakes.base import FakeVendor, epoch_s, html, json_response, truncated, weekdays_back
from freeride.testing.fakes.news_corpus import Article, bad_articles, sample_articles

BAD_KEY = (
    "the parameter apikey is invalid or missing. Please claim your free API key on "
    "(https://www.alphavantage.co/support/#api-key). It should take less than 20 seconds."
)
QUOTA = (
    "Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day. Please "
    "subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly remove "
    "all daily rate limits."
)
BURST = (
    "Thank you for using Alpha Vantage! Please consider spreading out your free API requests more "
    "sparingly (1 request per second). You may subscribe to any of the premium plans at "
    "https://www.alphavantage.co/premium/ to lift the free key rate limit (25 requests per day), raise "
    "the per-second burst limit, and instantly unlock all premium endpoints"
)
PREMIUM = (
    "Thank you for using Alpha Vantage! The outputsize=full parameter value is a premium feature for "
    "the TIME_SERIES_DAILY endpoint. You may subscribe to any of the premium plans at "
    "https://www.alphavantage.co/premium/ to instantly unlock all premium endpoints"
)
LEGACY = (
    "Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 "
    "calls per day. Please visit https://www.alphavantage.co/premium/ if you would like to target a "
    "higher API call frequency."
)


INVALID_INPUTS = (
    "Invalid inputs. Please refer to the API documentation https://www.alphavantage.co/documentation#newsapi "
    "and try again."
)
NO_ARTICLES = (
    "No articles found. Please adjust the time range or refer to the API documentation "
    "https://www.alphavantage.co/documentation#newsapi and try again."
)
SCORE_DEFINITION = (
    "x <= -0.35: Bearish; -0.35 < x <= -0.15: Somewhat-Bearish; -0.15 < x < 0.15: Neutral; "
    "0.15 <= x < 0.35: Somewhat_Bullish; x >= 0.35: Bullish"
)


def _av_time(a: Article, short: bool = False) -> str:
    return a.published.strftime("%Y%m%dT%H%M" if short else "%Y%m%dT%H%M%S")


def _label(x: float) -> str:
    if x <= -0.35:
        return "Bearish"
    if x <= -0.15:
        return "Somewhat-Bearish"
    if x < 0.15:
        return "Neutral"
    return "Somewhat-Bullish" if x < 0.35 else "Bullish"


def _news_matches(a: Article, tickers: list[str]) -> bool:
    wire = set(a.tickers) | ({"FOREX:EUR", "FOREX:USD"} if a.category == "forex" else set())
    return any(t in wire for t in tickers)


def _feed_item(a: Article, tickers: list[str]) -> dict[str, Any]:
    wire = list(a.tickers) + (["FOREX:EUR", "FOREX:USD"] if a.category == "forex" else [])
    return {
        "title": a.headline,
        "url": a.url,
        "time_published": _av_time(a),
        "authors": [a.publisher],
        "summary": a.summary,
        "banner_image": None,
        "source": a.publisher,
        "category_within_source": "n/a",
        "source_domain": a.url.split("/")[2] if a.url.count("/") >= 2 else "",
        "topics": [
            {
                "topic": "Earnings" if a.category == "company" else "Financial Markets",
                "relevance_score": "0.5",
            }
        ],
        "overall_sentiment_score": a.sentiment * 0.8,
        "overall_sentiment_label": _label(a.sentiment * 0.8),
        "ticker_sentiment": [
            {
                "ticker": t,
                "relevance_score": "0.8" if t in tickers else "0.3",
                "ticker_sentiment_score": f"{a.sentiment:.6f}",
                "ticker_sentiment_label": _label(a.sentiment),
            }
            for t in wire
        ],
    }


def bad_call(function: str) -> str:
    return (
        "Invalid API call. Please retry or visit the documentation "
        f"(https://www.alphavantage.co/documentation/) for {function}."
    )


class FakeAlphaVantage(FakeVendor):
    def __init__(
        self,
        api_key: str = "demo-key",
        *,
        daily_quota: int = 25,
        latency_s: float = 0.0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(latency_s=latency_s, clock=clock)
        self.api_key = api_key
        self.daily_quota = daily_quota
        self.used_today = 0
        self.app = Starlette(routes=[Route("/query", self._query)])
        self.now_s = epoch_s(self.today, 20)
        self.articles: list[Article] = sample_articles(self.now_s)

    def reset_quota(self) -> None:
        """A new UTC day began at the vendor."""
        self.used_today = 0

    async def _query(self, request: Request) -> Response:
        q = request.query_params
        function = q.get("function", "")
        fault = await self.begin(function)
        if q.get("apikey") != self.api_key or fault == "bad_key":
            return json_response({"Error Message": BAD_KEY})
        if self.used_today >= self.daily_quota or fault == "quota":
            return json_response({"Information": QUOTA})
        self.used_today += 1
        canned = {
            "burst": {"Information": BURST},
            "premium": {"Information": PREMIUM},
            "legacy_note": {"Note": LEGACY},
            "bad_call": {"Error Message": bad_call(function)},
        }
        if fault in canned:
            return json_response(canned[fault])
        if fault == "html":
            return html(200)
        if fault == "down":
            return html(503)
        if fault == "truncated":
            return truncated('{"Global Quote": {"01. symbol": "IBM", "05. price": "13')
        handler = {
            "GLOBAL_QUOTE": self._global_quote,
            "CURRENCY_EXCHANGE_RATE": self._exchange_rate,
            "TIME_SERIES_DAILY": self._daily,
            "TIME_SERIES_INTRADAY": self._intraday,
            "FX_DAILY": self._fx_daily,
            "NEWS_SENTIMENT": self._news,
        }.get(function)
        if handler is None:
            return json_response({"Error Message": bad_call(function)})
        return handler(q, fault)

    def _news(self, q: Any, fault: str | None) -> Response:
        tickers = [t for t in q.get("tickers", "").split(",") if t]
        if not tickers:
            return json_response({"Information": INVALID_INPUTS})
        if fault == "garbage":
            return json_response({"items": "0", "feed": "nope"})
        since = q.get("time_from", "19700101T0000")
        chosen = [a for a in self.articles if _news_matches(a, tickers) and _av_time(a, short=True) >= since]
        if fault == "bad_items":
            chosen = chosen + bad_articles(int(self.now_s))
        if not chosen:
            return json_response({"Information": NO_ARTICLES})
        feed = [_feed_item(a, tickers) for a in chosen[: int(q.get("limit", "50"))]]
        if fault == "bad_items":
            feed[-1]["time_published"] = "June 3rd"
        return json_response(
            {
                "items": str(len(feed)),
                "sentiment_score_definition": SCORE_DEFINITION,
                "relevance_score_definition": "0 < x <= 1, with a higher score indicating higher relevance.",
                "feed": feed,
            }
        )

    def _global_quote(self, q: Any, fault: str | None) -> Response:
        symbol = q.get("symbol", "")
        if fault == "empty_quote":
            return json_response({"Global Quote": {}})
        if fault == "nan":
            return json_response({"Global Quote": {"01. symbol": symbol, "05. price": "NaN"}})
        price = -self.price(symbol) if fault == "negative" else self.price(symbol)
        shown = "MSFT" if fault == "wrong_symbol" else symbol
        prev = round(self.price(symbol) * 0.99, 4)
        return json_response(
            {
                "Global Quote": {
                    "01. symbol": shown,
                    "02. open": f"{prev:.4f}",
                    "03. high": f"{abs(price) * 1.01:.4f}",
                    "04. low": f"{prev * 0.99:.4f}",
                    "05. price": f"{price:.4f}",
                    "06. volume": "4012106",
                    "07. latest trading day": self.today.isoformat(),
                    "08. previous close": f"{prev:.4f}",
                    "09. change": f"{price - prev:.4f}",
                    "10. change percent": f"{(price - prev) / prev * 100:.4f}%",
                }
            }
        )

    def _exchange_rate(self, q: Any, fault: str | None) -> Response:
        base, quote = q.get("from_currency", ""), q.get("to_currency", "")
        rate = self.price(f"{base}/{quote}")
        if fault == "negative":
            rate = -rate
        to_code = "JPY" if fault == "wrong_symbol" else quote
        return json_response(
            {
                "Realtime Currency Exchange Rate": {
                    "1. From_Currency Code": base,
                    "2. From_Currency Name": base,
                    "3. To_Currency Code": to_code,
                    "4. To_Currency Name": to_code,
                    "5. Exchange Rate": f"{rate:.8f}",
                    "6. Last Refreshed": f"{self.today.isoformat()} 08:16:01",
                    "7. Time Zone": "UTC",
                    "8. Bid Price": f"{rate - 0.00005:.8f}",
                    "9. Ask Price": f"{rate + 0.00005:.8f}",
                }
            }
        )

    def _rows(self, symbol: str, days: list[date], volume: bool, fault: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        price = self.price(symbol)
        for i, day in enumerate(days):
            c = price * (1 + 0.001 * ((i * 7) % 11 - 5))
            row = {
                "1. open": f"{c * 0.998:.4f}",
                "2. high": f"{c * 1.01:.4f}",
                "3. low": f"{c * 0.99:.4f}",
                "4. close": f"{-c if fault == 'negative' and i == 0 else c:.4f}",
            }
            if volume:
                row["5. volume"] = str(1_000_000 + i)
            out[day.isoformat()] = row
        return out

    def _daily(self, q: Any, fault: str | None) -> Response:
        if q.get("outputsize") == "full":
            return json_response({"Information": PREMIUM})
        symbol = q.get("symbol", "")
        shown = "MSFT" if fault == "wrong_symbol" else symbol
        return json_response(
            {
                "Meta Data": {
                    "1. Information": "Daily Prices (open, high, low, close) and Volumes",
                    "2. Symbol": shown,
                    "3. Last Refreshed": self.today.isoformat(),
                    "4. Output Size": "Compact",
                    "5. Time Zone": "US/Eastern",
                },
                "Time Series (Daily)": self._rows(symbol, weekdays_back(self.today, 100), True, fault),
            }
        )

    def _intraday(self, q: Any, fault: str | None) -> Response:
        symbol, interval = q.get("symbol", ""), q.get("interval", "5min")
        minutes = int(interval.removesuffix("min"))
        price = self.price(symbol)
        series: dict[str, Any] = {}
        for i in range(390 // minutes):
            hh, mm = divmod(9 * 60 + 30 + i * minutes, 60)
            c = price * (1 + 0.0005 * ((i * 7) % 11 - 5))
            series[f"{self.today.isoformat()} {hh:02d}:{mm:02d}:00"] = {
                "1. open": f"{c * 0.999:.4f}",
                "2. high": f"{c * 1.002:.4f}",
                "3. low": f"{c * 0.997:.4f}",
                "4. close": f"{c:.4f}",
                "5. volume": str(10_000 + i),
            }
        return json_response(
            {
                "Meta Data": {
                    "1. Information": f"Intraday ({interval}) open, high, low, close prices and volume",
                    "2. Symbol": symbol,
                    "3. Last Refreshed": f"{self.today.isoformat()} 15:55:00",
                    "4. Interval": interval,
                    "5. Output Size": "Compact",
                    "6. Time Zone": "US/Eastern",
                },
                f"Time Series ({interval})": series,
            }
        )

    def _fx_daily(self, q: Any, fault: str | None) -> Response:
        base, quote = q.get("from_symbol", ""), q.get("to_symbol", "")
        return json_response(
            {
                "Meta Data": {
                    "1. Information": "Forex Daily Prices (open, high, low, close)",
                    "2. From Symbol": base,
                    "3. To Symbol": quote,
                    "4. Output Size": "Compact",
                    "5. Last Refreshed": self.today.isoformat(),
                    "6. Time Zone": "UTC",
                },
                "Time Series FX (Daily)": self._rows(
                    f"{base}/{quote}", weekdays_back(self.today, 100), False, fault
                ),
            }
        )
