"""Any RSS or Atom feed as a ``NewsSource``: fetched with httpx, parsed from bytes by feedparser.

We fetch (so timeouts, limits and errors are ours) with a conditional GET: the ``ETag`` and
``Last-Modified`` of the last answer go back as ``If-None-Match`` / ``If-Modified-Since``, and a
``304 Not Modified`` costs the feed nothing and yields an empty batch marked ``not_modified``.
feedparser never raises: a broken feed sets ``bozo``; what it could still read is used and the
defect is named in the batch's ``rejected`` list, together with each entry that had no title,
no link or a missing or impossible date. A body with no entries at all and a defect is a
``BadReply``.
"""

from __future__ import annotations

import calendar
import warnings
from dataclasses import dataclass
from typing import Any

import feedparser
import httpx

from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.instruments import Instrument
from freeride.net import http
from freeride.net.errors import BadReply
from freeride.net.news import ItemRejected, news_item
from freeride.ports.news import NewsBatch

MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class RssConfig:
    name: str  # short, used as ``rss:<name>``
    url: str
    timeout_s: float = 10.0
    user_agent: str = "freeride/0.1 (+https://github.com/freeride)"


def _published(entry: Any) -> int | None:
    with warnings.catch_warnings():  # feedparser warns when it maps updated_parsed to published_parsed
        warnings.simplefilter("ignore", DeprecationWarning)
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed is None:
        return None
    try:
        return calendar.timegm(parsed) * NS_PER_SECOND
    except (TypeError, ValueError, OverflowError):
        return None


def parse_feed(source: str, body: bytes, content_type: str, now_ns: int) -> NewsBatch:
    parsed = feedparser.parse(body, response_headers={"content-type": content_type})
    rejected: list[str] = []
    if parsed.get("bozo"):
        problem = f"{type(parsed.get('bozo_exception')).__name__}: {parsed.get('bozo_exception')}"
        problem = " ".join(problem.split())[:200]
        if not parsed.entries:
            raise BadReply(source, f"not an RSS or Atom feed ({problem})")
        rejected.append(f"feed: {problem}; {len(parsed.entries)} entries read anyway")
    if not parsed.get("version") and not parsed.entries:
        raise BadReply(source, f"not an RSS or Atom feed (content type {content_type or 'unknown'!r})")
    items = []
    for n, entry in enumerate(parsed.entries):
        try:
            items.append(
                news_item(
                    source=source,
                    item_id=str(entry.get("id") or entry.get("link") or ""),
                    url=entry.get("link"),
                    headline=entry.get("title"),
                    summary=entry.get("summary") or "",
                    publisher=str(parsed.feed.get("title") or ""),
                    published_ns=_published(entry),
                    now_ns=now_ns,
                    topics=[str(t.get("term")) for t in entry.get("tags") or [] if t.get("term")],
                )
            )
        except ItemRejected as exc:
            title = str(entry.get("title") or "")[:40]
            rejected.append(f"entry {n} {title!r}: {exc}")
    return NewsBatch(source=source, items=tuple(items), rejected=tuple(rejected))


class RssNews:
    def __init__(
        self, config: RssConfig, clock: Clock, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self.name = f"rss:{config.name}"
        self.provider = self.name
        self._clock = clock
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(config.timeout_s),
            follow_redirects=True,
            headers={
                "User-Agent": config.user_agent,
                "Accept": "application/rss+xml, application/atom+xml, */*",
            },
        )
        self._etag: str | None = None
        self._modified: str | None = None
        self.not_modified = 0

    def supports(self, instrument: Instrument | None) -> bool:
        return instrument is None  # a feed is market news; the linker says which symbols it concerns

    async def news(self, instrument: Instrument | None, since_ns: int, until_ns: int) -> NewsBatch:
        headers = {}
        if self._etag:
            headers["If-None-Match"] = self._etag
        if self._modified:
            headers["If-Modified-Since"] = self._modified
        try:
            response = await self._http.get(self.config.url, headers=headers)
        except httpx.HTTPError as exc:
            raise http.transport_error(self.name, exc) from exc
        if response.status_code == 304:
            self.not_modified += 1
            return NewsBatch(source=self.name, not_modified=True)
        error = http.status_error(self.name, response, response.text.strip()[:120])
        if error is not None:
            raise error
        if len(response.content) > MAX_BYTES:
            raise BadReply(self.name, f"feed is {len(response.content):,} bytes, over {MAX_BYTES:,}")
        batch = parse_feed(
            self.name, response.content, response.headers.get("content-type", ""), self._clock.now_ns()
        )
        self._etag = response.headers.get("etag") or None
        self._modified = response.headers.get("last-modified") or None
        items = tuple(i for i in batch.items if since_ns <= i.ts_event < until_ns)
        return NewsBatch(source=self.name, items=items, rejected=batch.rejected)

    async def aclose(self) -> None:
        await self._http.aclose()
