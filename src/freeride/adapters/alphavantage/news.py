"""Alpha Vantage as a ``NewsSource``: ``function=NEWS_SENTIMENT`` with the vendor's own scores.

``feed[]`` items carry ``time_published`` as ``YYYYMMDDTHHMMSS`` (taken as UTC), the overall
score and a per-ticker score; forex is asked as ``FOREX:<base currency>`` and its tickers come back
the same way, which become the item's currencies. The vendor's score for the asked ticker (else
the overall one) is kept as ``vendor_score``, a feature beside ours, never in place of it. The
free plan allows 25 calls a day, so only instruments are asked, never general market news.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec

from freeride.adapters.alphavantage.client import AlphaVantageClient
from freeride.adapters.alphavantage.config import AlphaVantageConfig
from freeride.core.clock import Clock, datetime_to_ns
from freeride.core.errors import NotAvailable
from freeride.core.instruments import Instrument
from freeride.core.news import NewsItem
from freeride.net.errors import BadReply
from freeride.net.news import ItemRejected, news_item
from freeride.ports.news import NewsBatch

NAME = "alphavantage"
MIN_RELEVANCE = 0.1


def wire_ticker(instrument: Instrument) -> str:
    return f"FOREX:{instrument.base_currency}" if instrument.is_forex else instrument.symbol


def _time(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    for fmt in ("%Y%m%dT%H%M%S", "%Y%m%dT%H%M"):
        try:
            return datetime_to_ns(datetime.strptime(value, fmt).replace(tzinfo=UTC))
        except ValueError:
            continue
    raise ItemRejected(f"time_published {value!r} is not YYYYMMDDTHHMMSS")


def _float(value: Any) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if -1.0 <= result <= 1.0 else None


def parse_news(data: Any, now_ns: int, asked: str = "") -> NewsBatch:
    if not isinstance(data, dict) or not isinstance(data.get("feed"), list):
        raise BadReply(NAME, "news: expected an object with a 'feed' array")
    items, rejected = [], []
    for n, raw in enumerate(data["feed"]):
        if not isinstance(raw, dict):
            rejected.append(f"item {n}: not an object")
            continue
        try:
            symbols: list[str] = []
            currencies: list[str] = []
            score = _float(raw.get("overall_sentiment_score"))
            label = str(raw.get("overall_sentiment_label") or "")
            for t in raw.get("ticker_sentiment") or []:
                if not isinstance(t, dict) or not isinstance(t.get("ticker"), str):
                    continue
                ticker = t["ticker"].upper()
                if ticker == asked.upper() and _float(t.get("ticker_sentiment_score")) is not None:
                    score = _float(t.get("ticker_sentiment_score"))
                    label = str(t.get("ticker_sentiment_label") or label)
                if (_float(t.get("relevance_score")) or 0.0) < MIN_RELEVANCE:
                    continue
                if ticker.startswith("FOREX:"):
                    currencies.append(ticker[6:])
                elif ":" not in ticker:
                    symbols.append(ticker)
            items.append(
                news_item(
                    source=NAME,
                    item_id="",
                    url=raw.get("url"),
                    headline=raw.get("title"),
                    summary=raw.get("summary") or "",
                    publisher=raw.get("source") or "",
                    published_ns=_time(raw.get("time_published")),
                    now_ns=now_ns,
                    symbols=symbols,
                    currencies=currencies,
                    topics=[str(t.get("topic")) for t in raw.get("topics") or [] if isinstance(t, dict)],
                    vendor_score=score,
                    vendor_label=label,
                )
            )
        except ItemRejected as exc:
            rejected.append(f"item {n}: {exc}")
    return NewsBatch(source=NAME, items=tuple(items), rejected=tuple(rejected))


class AlphaVantageNews:
    name = NAME
    provider = NAME

    def __init__(
        self, config: AlphaVantageConfig, clock: Clock, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._clock = clock
        self._client = AlphaVantageClient(config, clock, transport)

    def supports(self, instrument: Instrument | None) -> bool:
        return instrument is not None

    async def news(self, instrument: Instrument | None, since_ns: int, until_ns: int) -> NewsBatch:
        if instrument is None:
            return NewsBatch(source=NAME)
        ticker = wire_ticker(instrument)
        since = datetime.fromtimestamp(since_ns / 1e9, tz=UTC).strftime("%Y%m%dT%H%M")
        try:
            data = await self._client.query(
                "NEWS_SENTIMENT", tickers=ticker, time_from=since, sort="LATEST", limit="50"
            )
        except NotAvailable as exc:
            if "no articles" in str(exc).lower():
                return NewsBatch(source=NAME)
            raise
        batch = parse_news(data, self._clock.now_ns(), ticker)
        asked_symbols = (instrument.symbol,) if not instrument.is_forex else ()
        items = tuple(_with(i, asked_symbols) for i in batch.items if since_ns <= i.ts_event < until_ns)
        return NewsBatch(source=NAME, items=items, rejected=batch.rejected)

    async def aclose(self) -> None:
        await self._client.aclose()


def _with(item: NewsItem, symbols: tuple[str, ...]) -> NewsItem:
    missing = tuple(s for s in symbols if s not in item.symbols)
    return msgspec.structs.replace(item, symbols=missing + item.symbols) if missing else item
