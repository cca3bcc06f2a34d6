"""What every news adapter does to an article before it becomes a ``NewsItem`` (pure).

Vendors and feeds send headlines with HTML tags and entities, URLs that are not URLs, and dates
that are missing, in the future or before the web existed. ``news_item`` cleans the text, checks
each field and raises ``ItemRejected`` naming the defect, so the adapter can drop that item, name
it in its batch's ``rejected`` list, and go on with the rest.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

from freeride.core.clock import NS_PER_SECOND
from freeride.core.news import NewsItem
from freeride.net.urls_canonical import canonical_url

_TAG = re.compile(r"<[^>]{0,500}>")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
EARLIEST_NS = 946_684_800 * NS_PER_SECOND  # 2000-01-01: older "news" is a broken date
FUTURE_SLACK_NS = 86_400 * NS_PER_SECOND  # a feed's clock a day ahead is tolerated, not more
MAX_HEADLINE = 500
MAX_SUMMARY = 4_000


class ItemRejected(ValueError):
    """One article could not be trusted; the message says which field and why."""


def clean(text: str) -> str:
    """Plain text: tags dropped, entities decoded, Unicode normalised (NFKC), whitespace collapsed."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
        if "<" in text:  # entities that decoded into tags (&lt;b&gt;)
            text = _TAG.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub(" ", text).strip()


def news_item(
    *,
    source: str,
    item_id: str,
    url: object,
    headline: object,
    published_ns: int | None,
    now_ns: int,
    summary: object = "",
    publisher: object = "",
    symbols: Iterable[str] = (),
    currencies: Iterable[str] = (),
    topics: Iterable[str] = (),
    vendor_score: float | None = None,
    vendor_label: str = "",
) -> NewsItem:
    if not isinstance(headline, str) or not (title := clean(headline)):
        raise ItemRejected("no headline")
    if _CONTROL.search(title):
        raise ItemRejected(f"headline {title[:60]!r} holds undecodable characters (wrong encoding)")
    if not isinstance(url, str) or not (canon := canonical_url(url)):
        raise ItemRejected(f"url {str(url)[:80]!r} is not an http(s) URL")
    if published_ns is None:
        raise ItemRejected("no publication date")
    if published_ns < EARLIEST_NS or published_ns > now_ns + FUTURE_SLACK_NS:
        raise ItemRejected(f"impossible publication date ({published_ns // NS_PER_SECOND} s since 1970)")
    if vendor_score is not None and not -1.0 <= vendor_score <= 1.0:
        vendor_score = None
    return NewsItem(
        source=source,
        item_id=item_id or canon,
        url=url.strip(),
        canonical_url=canon,
        headline=title[:MAX_HEADLINE],
        summary=clean(summary)[:MAX_SUMMARY] if isinstance(summary, str) else "",
        publisher=clean(publisher)[:120] if isinstance(publisher, str) else "",
        symbols=tuple(dict.fromkeys(symbols)),
        currencies=tuple(sorted(set(currencies))),
        topics=tuple(topics),
        vendor_score=vendor_score,
        vendor_label=vendor_label,
        ts_event=published_ns,
        ts_init=now_ns,
    )
