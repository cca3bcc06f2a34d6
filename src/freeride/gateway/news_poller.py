"""News polling turned into events: every ``interval_s``, each watched instrument and market news.

Each round asks the news gateway for what was published since the last round (minus an overlap,
for feeds that publish late) and publishes every item not seen before on ``research.news.<symbol>``
(``research.news.market`` for an item about no symbol yet); the research service takes it from
there. The first round looks back ``lookback_s``. The keys seen are remembered in a bounded
window, so a process running for months does not grow.
"""

from __future__ import annotations

import asyncio
import zlib
from collections import OrderedDict
from collections.abc import Sequence

import structlog

from freeride.bus import topics
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.instruments import Instrument
from freeride.core.news import NewsItem
from freeride.gateway.news import NewsGateway
from freeride.ports.bus import Bus

log = structlog.get_logger(__name__)
MARKET = "market"


class NewsPoller(Component):
    name = "news_poller"

    def __init__(
        self,
        gateway: NewsGateway,
        bus: Bus,
        clock: Clock,
        instruments: Sequence[Instrument],
        *,
        interval_s: float = 300.0,
        lookback_s: float = 86_400.0,
        overlap_s: float = 600.0,
        remember: int = 100_000,
    ) -> None:
        super().__init__()
        self._gateway = gateway
        self._bus = bus
        self._clock = clock
        self.instruments = list(instruments)
        self.interval_s = interval_s
        self._lookback_ns = int(lookback_s * NS_PER_SECOND)
        self._overlap_ns = int(overlap_s * NS_PER_SECOND)
        self._seen: OrderedDict[str, int] = OrderedDict()
        self._remember = remember
        self._last_ns: int | None = None
        self._task: asyncio.Task[None] | None = None
        self.rounds = 0
        self.published = 0

    async def poll_once(self) -> list[NewsItem]:
        now = self._clock.now_ns()
        since = now - self._lookback_ns if self._last_ns is None else self._last_ns - self._overlap_ns
        fresh: list[NewsItem] = []
        for instrument in [None, *self.instruments]:
            fetched = await self._gateway.fetch(instrument, since, now + 1)
            for item in fetched.items:
                text = zlib.crc32(f"{item.headline}\n{item.summary}\n{item.url}".encode())
                if self._seen.get(item.key) == text:
                    continue  # the same item again; an edited one goes on, so it is scored again
                self._seen[item.key] = text
                self._seen.move_to_end(item.key)
                fresh.append(item)
        while len(self._seen) > self._remember:
            self._seen.popitem(last=False)
        fresh.sort(key=lambda i: (i.ts_event, i.key))
        for item in fresh:
            self._bus.publish(topics.news(item.symbols[0] if item.symbols else MARKET), item)
        self._last_ns = now
        self.rounds += 1
        self.published += len(fresh)
        return fresh

    async def _loop(self) -> None:
        while True:
            try:
                await self.poll_once()
            except Exception as exc:  # a bug in one round must not end polling; each feed reports its own
                log.error("news.poll_failed", error=repr(exc))
            await self._clock.sleep(self.interval_s)

    async def _on_start(self) -> None:
        self._task = self.spawn(self._loop)

    async def _on_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
