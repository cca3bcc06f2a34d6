"""The research service: news items in, scored stories out, each story scored once.

Items arrive on ``research.news.>`` (from the news poller, or ``ingest`` called directly by the
CLI and the benchmark). Each batch is linked to symbols, clustered into stories, and every story
whose text changed is scored (``Scorer``: cache first, then the model); items, stories and scores
are stored in one transaction and each scored story is published on
``research.sentiment.<symbol>`` (``research.sentiment.market`` when it concerns no symbol).
A story that only gained a source keeps its score and is stored and published again with the
new source, at no model cost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
import structlog

from freeride.bus import topics
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.news import NewsItem, Story
from freeride.core.sentiment import StorySentiment
from freeride.ports.bus import Bus, Inbox, Overflow
from freeride.ports.research import NewsRepository
from freeride.research.clustering import StoryClusterer
from freeride.research.linking import Linker
from freeride.research.scoring import Scorer

log = structlog.get_logger(__name__)
MARKET = "market"


@dataclass(frozen=True)
class ResearchConfig:
    batch: int = 1_000
    queue_size: int = 50_000
    evict_every_s: float = 3_600.0


class ResearchService(Component):
    name = "research"

    def __init__(
        self,
        bus: Bus | None,
        clock: Clock,
        linker: Linker,
        clusterer: StoryClusterer,
        scorer: Scorer,
        news: NewsRepository | None = None,
        config: ResearchConfig | None = None,
    ) -> None:
        super().__init__()
        self._bus = bus
        self._clock = clock
        self.linker = linker
        self.clusterer = clusterer
        self.scorer = scorer
        self._news = news
        self.config = config or ResearchConfig()
        self._story_of: dict[str, str] = {}  # item key → story id it was stored under
        self._last: dict[str, StorySentiment] = {}  # story id → its latest scored form
        self._inbox: Inbox | None = None
        self._task: asyncio.Task[None] | None = None
        self._evicted_at = 0
        self.items_in = 0
        self.stories_out = 0

    async def ingest(self, items: Sequence[NewsItem]) -> list[StorySentiment]:
        """Link, cluster, score what changed, store and publish; returns the stories touched."""
        if not items:
            return []
        now = self._clock.now_ns()
        self.items_in += len(items)
        roots: set[str] = set()
        self.clusterer.prepare(items)
        for item in items:
            roots.add(self.clusterer.add(self.linker.link(item)).root)
        roots = {self.clusterer.find(r) for r in roots}
        stories: list[Story] = []
        dropped: set[str] = set()
        item_rows: list[tuple[NewsItem, str]] = []
        batch_keys = {i.key for i in items}
        for root in roots:
            story = self.clusterer.story(root, now)
            stories.append(story)
            for member in self.clusterer.members(root):
                previous = self._story_of.get(member.key)
                if previous == story.story_id and member.key not in batch_keys:
                    continue
                if previous is not None and previous != story.story_id:
                    dropped.add(previous)
                self._story_of[member.key] = story.story_id
                item_rows.append((member, story.story_id))
        dropped -= {s.story_id for s in stories}
        for gone in dropped:
            self._last.pop(gone, None)
        to_score = [s for s in stories if self._needs_score(s)]
        scored = {s.story_id: s for s in await self.scorer.score(to_score)} if to_score else {}
        out: list[StorySentiment] = []
        for story in stories:
            result = scored.get(story.story_id)
            if result is None:
                result = msgspec.structs.replace(
                    self._last[story.story_id],
                    symbols=story.symbols,
                    currencies=story.currencies,
                    sources=story.sources,
                    ts_init=now,
                )
            self._last[story.story_id] = result
            out.append(result)
        if self._news is not None:
            await self._news.save(item_rows, out, sorted(dropped))
        if self._bus is not None:
            for s in out:
                for symbol in s.symbols or (MARKET,):
                    self._bus.publish(topics.sentiment(symbol), s)
        self.stories_out += len(out)
        self._maybe_evict(now)
        return out

    def _needs_score(self, story: Story) -> bool:
        last = self._last.get(story.story_id)
        return last is None or last.content_hash != story.content_hash

    def _maybe_evict(self, now: int) -> None:
        if now - self._evicted_at < self.config.evict_every_s * NS_PER_SECOND:
            return
        self._evicted_at = now
        if self.clusterer.evict(now):
            kept = {i.key for r in self.clusterer.roots() for i in self.clusterer.members(r)}
            self._story_of = {k: v for k, v in self._story_of.items() if k in kept}
            live = set(self._story_of.values())
            self._last = {k: v for k, v in self._last.items() if k in live}

    # -- as a component on the bus ---------------------------------------------------------------
    async def _drain(self) -> None:
        inbox = self._inbox
        assert inbox is not None
        while True:
            batch = await inbox.get_batch(self.config.batch)
            items = [e for e in batch if isinstance(e, NewsItem)]
            try:
                await self.ingest(items)
            except Exception as exc:  # one bad batch must not stop research; it is logged and named
                log.error("research.ingest_failed", items=len(items), error=repr(exc))
            finally:
                inbox.done(len(batch))

    async def _on_start(self) -> None:
        if self._bus is None:
            return
        self._inbox = self._bus.subscribe_queue(
            topics.ALL_NEWS, name="research", maxsize=self.config.queue_size, overflow=Overflow.PAUSE_SOURCE
        )
        self._task = self.spawn(self._drain)

    async def _on_stop(self) -> None:
        if self._inbox is not None and self._task is not None and not self._task.done():
            try:
                await asyncio.wait_for(self._inbox.wait_idle(), timeout=5.0)
            except TimeoutError:
                log.warning("research.stop_with_pending", pending=self._inbox.pending)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._inbox is not None:
            self._inbox.close()
