"""News as the core sees it: one ``NewsItem`` per article a feed delivered, one ``Story`` per event.

Every vendor's reply is translated into ``NewsItem`` at the adapter edge, so nothing above it
knows that Alpha Vantage spells times ``20240603T131500`` or that Massive nests the publisher.
Items about the same event, from whichever feed, are one ``Story`` (``research.clustering``).
"""

from __future__ import annotations

import msgspec


class NewsItem(msgspec.Struct, frozen=True, kw_only=True):
    """One article as one feed delivered it.

    ``source`` is the feed (``finnhub``, ``alphavantage``, ``massive``, ``rss:<name>``) and
    ``publisher`` who wrote it (``Reuters``); ``item_id`` is the vendor's id, or the URL when the
    vendor has none. ``canonical_url`` is the URL with tracking parameters, fragments and
    spelling variants removed (``research.urls``), so two feeds carrying one article agree on it.
    ``symbols`` are stocks and pairs the item concerns, ``currencies`` the ISO codes it concerns
    (filled by the vendor where it says, then by the linker from the settings' term lists).
    ``vendor_score`` is the vendor's own sentiment in [-1, 1] when it gives one (a feature, never
    the answer).
    """

    source: str
    item_id: str
    url: str
    canonical_url: str = ""
    headline: str
    summary: str = ""
    publisher: str = ""
    symbols: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    vendor_score: float | None = None
    vendor_label: str = ""
    ts_event: int  # published, ns since the epoch (UTC)
    ts_init: int  # when this process received it

    @property
    def key(self) -> str:
        """Unique per feed and article: what a re-delivery of the same item is recognised by."""
        return f"{self.source}|{self.item_id}"


class Story(msgspec.Struct, frozen=True, kw_only=True):
    """Every item about one event, whatever feed carried it.

    ``story_id`` is the key of its earliest item (by published time, then key), so it does not
    depend on the order the feeds arrived in. ``content_hash`` is the digest of the text that is
    scored (the earliest item's headline and summary): an unchanged story is never scored twice,
    an edited headline is scored once more.
    """

    story_id: str
    headline: str
    summary: str = ""
    url: str
    content_hash: str
    symbols: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # every feed that carried it
    publishers: tuple[str, ...] = ()
    item_keys: tuple[str, ...] = ()
    vendor_score: float | None = None  # mean of the vendors' own scores, when any gave one
    ts_event: int  # earliest publication
    ts_init: int
    ts_last: int = 0  # latest publication of any of its items

    @property
    def size(self) -> int:
        return len(self.item_keys)
