"""What research needs from a news feed, spoken in core types only.

Finnhub, Alpha Vantage, Massive and any RSS/Atom feed implement ``NewsSource``. A reply is a
``NewsBatch``: the items that passed, and one line per item (or per feed) that did not, so a bad
item is named and the rest of the batch goes on. Errors of the whole request are the
``core.errors`` tree, exactly as for market data, so the gateway's limits and breakers apply.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import msgspec

from freeride.core.instruments import Instrument
from freeride.core.news import NewsItem


class NewsBatch(msgspec.Struct, frozen=True, kw_only=True):
    """Items from one request and the problems of the ones left out (``"item 3: no headline"``)."""

    source: str
    items: tuple[NewsItem, ...] = ()
    rejected: tuple[str, ...] = ()
    not_modified: bool = False  # a conditional GET answered 304: nothing new since last time


@runtime_checkable
class NewsSource(Protocol):
    """News about one instrument, or general market news when ``instrument`` is ``None``."""

    @property
    def name(self) -> str:
        """The feed's name in settings, events and ``NewsItem.source`` (``finnhub``, ``rss:ecb``)."""
        ...

    @property
    def provider(self) -> str:
        """Whose allowance a call spends: the market-data provider of the same key (``finnhub``),
        so news and quotes share one rate limit; a feed's own name for RSS."""
        ...

    def supports(self, instrument: Instrument | None) -> bool:
        """Whether to ask this feed at all (so the poller skips it without a call)."""
        ...

    async def news(self, instrument: Instrument | None, since_ns: int, until_ns: int) -> NewsBatch:
        """Items published in ``[since_ns, until_ns)`` as far as the feed can filter, newest first
        or in any order (the caller sorts and de-duplicates)."""
        ...

    async def aclose(self) -> None: ...
