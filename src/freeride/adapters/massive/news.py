"""Massive as a ``NewsSource``: ``GET /v2/reference/news``, following ``next_url`` pages.

Results carry ``id``, ``publisher{name}``, ``title``, ``published_utc`` (ISO 8601, UTC),
``article_url``, ``tickers[]``, ``description`` and sometimes ``insights[{ticker, sentiment}]``,
whose sentiment for the asked ticker becomes ``vendor_score`` (positive 0.5, negative -0.5).
``next_url`` is followed only while it points at the configured host (it carries no key, our
header does, and that header never goes elsewhere) and for at most ``max_pages`` pages.
Massive has no forex news by pair, so pairs get their news from market news and the linker.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from freeride.adapters.massive.client import MassiveClient
from freeride.adapters.massive.config import MassiveConfig
from freeride.core.clock import Clock, datetime_to_ns
from freeride.core.instruments import Instrument
from freeride.core.news import NewsItem
from freeride.net.errors import BadReply
from freeride.net.news import ItemRejected, news_item
from freeride.ports.news import NewsBatch

NAME = "massive"
INSIGHT = {"positive": 0.5, "neutral": 0.0, "negative": -0.5}
PAGE_LIMIT = 100


def _published(value: Any) -> int | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ItemRejected(f"published_utc {value!r} is not an ISO time") from None
    return datetime_to_ns(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def parse_news(data: dict[str, Any], now_ns: int, asked: str = "") -> NewsBatch:
    results = data.get("results", [])
    if not isinstance(results, list):
        raise BadReply(NAME, "news: 'results' is not an array")
    items, rejected = [], []
    for n, raw in enumerate(results):
        if not isinstance(raw, dict):
            rejected.append(f"item {n}: not an object")
            continue
        try:
            tickers = [str(t).upper() for t in raw.get("tickers") or [] if isinstance(t, str)]
            score, label = None, ""
            for insight in raw.get("insights") or []:
                if isinstance(insight, dict) and str(insight.get("ticker", "")).upper() == asked:
                    label = str(insight.get("sentiment") or "")
                    score = INSIGHT.get(label)
            publisher = raw.get("publisher")
            items.append(
                news_item(
                    source=NAME,
                    item_id=str(raw.get("id") or ""),
                    url=raw.get("article_url"),
                    headline=raw.get("title"),
                    summary=raw.get("description") or "",
                    publisher=publisher.get("name", "") if isinstance(publisher, dict) else "",
                    published_ns=_published(raw.get("published_utc")),
                    now_ns=now_ns,
                    symbols=tickers,
                    topics=[str(k) for k in raw.get("keywords") or []],
                    vendor_score=score,
                    vendor_label=label,
                )
            )
        except ItemRejected as exc:
            rejected.append(f"item {n} ({str(raw.get('id', '?'))[:20]}): {exc}")
    return NewsBatch(source=NAME, items=tuple(items), rejected=tuple(rejected))


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MassiveNews:
    name = NAME
    provider = NAME

    def __init__(
        self,
        config: MassiveConfig,
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None = None,
        max_pages: int = 5,
    ) -> None:
        self._clock = clock
        self._host = urlsplit(config.base_url).hostname or ""
        self._client = MassiveClient(config, transport)
        self.max_pages = max_pages
        self.pages = 0

    def supports(self, instrument: Instrument | None) -> bool:
        return instrument is None or not instrument.is_forex

    async def news(self, instrument: Instrument | None, since_ns: int, until_ns: int) -> NewsBatch:
        asked = "" if instrument is None else instrument.symbol
        params: dict[str, str | int] = {
            "published_utc.gte": _iso(since_ns),
            "published_utc.lt": _iso(until_ns),
            "order": "desc",
            "sort": "published_utc",
            "limit": PAGE_LIMIT,
        }
        if asked:
            params["ticker"] = asked
        items: list[NewsItem] = []
        rejected: list[str] = []
        data = await self._client.get("/v2/reference/news", **params)
        for page in range(self.max_pages):
            self.pages += 1
            batch = parse_news(data, self._clock.now_ns(), asked)
            items.extend(i for i in batch.items if since_ns <= i.ts_event < until_ns)
            rejected.extend(batch.rejected)
            next_url = data.get("next_url")
            if not isinstance(next_url, str) or not next_url or page + 1 == self.max_pages:
                break
            parts = urlsplit(next_url)
            if parts.hostname and parts.hostname != self._host:
                rejected.append(f"next_url points at {parts.hostname}, not {self._host}: not followed")
                break
            data = await self._client.get(next_url)
        return NewsBatch(source=NAME, items=tuple(items), rejected=tuple(rejected))

    async def aclose(self) -> None:
        await self._client.aclose()
