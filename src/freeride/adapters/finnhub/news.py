"""Finnhub as a ``NewsSource``: ``/company-news`` per stock, ``/news`` general and forex categories.

Both answer a bare JSON array of ``{category, datetime (epoch s), headline, id, image, related,
source, summary, url}``. A stock asks ``/company-news`` for the days of the window (Finnhub filters
by date, we filter by time); market news (``instrument=None``) asks the ``general`` and ``forex``
categories, which is where news about currencies and central banks lands. Pairs are linked to
that market news by currency terms later, so no per-pair call is made.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from freeride.adapters.finnhub.client import FinnhubClient
from freeride.adapters.finnhub.config import FinnhubConfig
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.instruments import Instrument
from freeride.net.errors import BadReply
from freeride.net.news import ItemRejected, news_item
from freeride.ports.news import NewsBatch

NAME = "finnhub"
CATEGORIES = ("general", "forex")


def parse_news(data: Any, now_ns: int, asked: str | None = None) -> NewsBatch:
    """A reply's items; garbage items are named in ``rejected``, a garbage reply is ``BadReply``."""
    if not isinstance(data, list):
        raise BadReply(NAME, f"news: expected a JSON array, got {type(data).__name__}")
    items, rejected = [], []
    for n, raw in enumerate(data):
        if not isinstance(raw, dict):
            rejected.append(f"item {n}: not an object")
            continue
        try:
            stamp = raw.get("datetime")
            if isinstance(stamp, bool) or not isinstance(stamp, int | float):
                raise ItemRejected(f"datetime {stamp!r} is not epoch seconds")
            related = raw.get("related") or ""
            symbols = [s.strip().upper() for s in str(related).split(",") if s.strip()]
            if asked and asked not in symbols:
                symbols.insert(0, asked)
            items.append(
                news_item(
                    source=NAME,
                    item_id=str(raw.get("id") or ""),
                    url=raw.get("url"),
                    headline=raw.get("headline"),
                    summary=raw.get("summary") or "",
                    publisher=raw.get("source") or "",
                    published_ns=int(stamp * NS_PER_SECOND),
                    now_ns=now_ns,
                    symbols=symbols,
                    topics=[str(raw.get("category") or "")],
                )
            )
        except ItemRejected as exc:
            rejected.append(f"item {n} ({str(raw.get('id', '?'))[:20]}): {exc}")
    return NewsBatch(source=NAME, items=tuple(items), rejected=tuple(rejected))


def _day(ns: int) -> str:
    return datetime.fromtimestamp(ns / NS_PER_SECOND, tz=UTC).date().isoformat()


class FinnhubNews:
    name = NAME
    provider = NAME

    def __init__(
        self, config: FinnhubConfig, clock: Clock, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._clock = clock
        self._client = FinnhubClient(config, transport)

    def supports(self, instrument: Instrument | None) -> bool:
        return instrument is None or not instrument.is_forex

    async def news(self, instrument: Instrument | None, since_ns: int, until_ns: int) -> NewsBatch:
        if instrument is None:
            batches = [
                parse_news(await self._client.get("/news", category=c), self._clock.now_ns())
                for c in CATEGORIES
            ]
        else:
            data = await self._client.get(
                "/company-news",
                symbol=instrument.symbol,
                **{"from": _day(since_ns), "to": _day(until_ns)},
            )
            batches = [parse_news(data, self._clock.now_ns(), instrument.symbol)]
        items = [i for b in batches for i in b.items if since_ns <= i.ts_event < until_ns]
        return NewsBatch(
            source=NAME, items=tuple(items), rejected=tuple(r for b in batches for r in b.rejected)
        )

    async def aclose(self) -> None:
        await self._client.aclose()
