"""A fake feed server: RSS 2.0 and Atom documents on loopback, the good and the broken ones.

``/feeds/<name>`` serves ``feeds[name]`` with an ``ETag`` and ``Last-Modified``; a request that
sends them back gets ``304 Not Modified``. The shipped documents: ``central-bank`` (RSS, press
releases), ``broker`` (Atom), and the defects real feeds have: ``broken-xml`` (an unclosed tag),
``no-dates`` (an entry without a date, one with an impossible date), ``html-titles`` (markup and
entities in titles), ``latin1`` (declared UTF-8, sent as Latin-1), ``not-a-feed`` (an HTML page).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

NOW = datetime(2024, 6, 3, 20, 0, tzinfo=UTC)


def _rfc822(hours_ago: float) -> str:
    return format_datetime(datetime.fromtimestamp(NOW.timestamp() - hours_ago * 3_600, UTC))


def _rss(title: str, items: list[tuple[str, str, str | None, str]]) -> str:
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link>"
        + (f"<pubDate>{date}</pubDate>" if date is not None else "")
        + f"<description>{d}</description><guid>{link}</guid></item>"
        for t, link, date, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://example.org/</link><description>{title}</description>"
        f"{entries}</channel></rss>"
    )


CENTRAL_BANK = _rss(
    "Central bank press releases",
    [
        (
            "Monetary policy decisions: ECB raises key interest rates by 25 basis points",
            "https://www.ecb.europa.eu/press/pr/date/2024/html/ecb.mp240603.en.html",
            _rfc822(2),
            "The Governing Council today decided to raise the three key ECB interest rates.",
        ),
        (
            "ECB publishes account of the monetary policy meeting",
            "https://www.ecb.europa.eu/press/accounts/2024/html/ecb.mg240603.en.html",
            _rfc822(6),
            "Account of the meeting of the Governing Council.",
        ),
    ],
)
BROKER_ATOM = (
    '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    "<title>Broker market news</title><id>urn:broker</id><updated>2024-06-03T19:00:00Z</updated>"
    "<entry><title>Dollar slides after weak payrolls report</title><id>urn:broker:1</id>"
    '<link rel="alternate" href="https://broker.example.com/news/dollar-slides?utm_source=rss"/>'
    "<published>2024-06-03T18:30:00Z</published><updated>2024-06-03T18:30:00Z</updated>"
    "<summary>The greenback fell against major peers.</summary></entry>"
    "<entry><title>Apple shares climb to record high</title><id>urn:broker:2</id>"
    '<link href="https://broker.example.com/news/apple-record"/>'
    "<published>2024-06-03T17:00:00Z</published><summary>AAPL rose 2%.</summary></entry>"
    "</feed>"
)
BROKEN_XML = CENTRAL_BANK.replace("</title><link>https://www.ecb", "<link>https://www.ecb", 1).replace(
    "</channel></rss>", ""
)
NO_DATES = _rss(
    "Feed with bad dates",
    [
        ("Entry without a date", "https://example.org/a", None, "x"),
        ("Entry from the year 2099", "https://example.org/b", "Fri, 01 Jan 2099 00:00:00 GMT", "x"),
        ("Entry with a good date", "https://example.org/c", _rfc822(1), "x"),
    ],
)
HTML_TITLES = _rss(
    "Feed with markup",
    [
        (
            "&lt;b&gt;Euro&lt;/b&gt; jumps &amp;amp; stays firm",
            "https://example.org/html",
            _rfc822(1),
            "<p>Strong <em>data</em></p>",
        ),
        ("", "https://example.org/empty-title", _rfc822(1), "no title at all"),
    ],
)
LATIN1 = _rss(
    "Zürich Devisen",
    [("Franken stärker nach SNB-Entscheid", "https://example.ch/chf", _rfc822(1), "Der Franken gewann.")],
).encode("latin-1")
NOT_A_FEED = "<!DOCTYPE html><html><body><h1>Service unavailable</h1></body></html>"


class FakeFeeds:
    def __init__(self) -> None:
        self.feeds: dict[str, bytes] = {
            "central-bank": CENTRAL_BANK.encode(),
            "broker": BROKER_ATOM.encode(),
            "broken-xml": BROKEN_XML.encode(),
            "no-dates": NO_DATES.encode(),
            "html-titles": HTML_TITLES.encode(),
            "latin1": LATIN1,
            "not-a-feed": NOT_A_FEED.encode(),
        }
        self.calls: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.app = Starlette(routes=[Route("/feeds/{name}", self._feed)])

    async def _feed(self, request: Request) -> Response:
        name = request.path_params["name"]
        self.calls[name] += 1
        body = self.feeds.get(name)
        if body is None:
            return Response("not found", 404)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        modified = format_datetime(NOW, usegmt=True)
        if request.headers.get("if-none-match") == etag:
            self.not_modified[name] += 1
            return Response(status_code=304, headers={"ETag": etag, "Last-Modified": modified})
        kind = "text/html" if name == "not-a-feed" else "application/rss+xml; charset=utf-8"
        return Response(body, headers={"ETag": etag, "Last-Modified": modified, "Content-Type": kind})
