"""Single-flight coalescing and a TTL cache on the injected clock.

``SingleFlight``: while a fetch for a key is in flight, every other ask for that key awaits the
same task instead of starting its own, so 100 concurrent asks for AAPL cost one upstream call.
Each waiter is shielded: one caller giving up (cancelled) never cancels the others' answer.

The cache is cachetools' ``TTLCache`` with its ``timer`` reading the ``Clock``, so expiry follows
a ``ManualClock`` in tests and simulated time in a backtest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from cachetools import TTLCache

from freeride.core.clock import NS_PER_SECOND, Clock

V = TypeVar("V")


class SingleFlight(Generic[V]):
    def __init__(self) -> None:
        self._inflight: dict[Hashable, asyncio.Future[V]] = {}
        self.started = 0
        self.joined = 0

    async def do(self, key: Hashable, fetch: Callable[[], Awaitable[V]]) -> V:
        future = self._inflight.get(key)
        if future is None:
            self.started += 1
            future = asyncio.ensure_future(fetch())
            self._inflight[key] = future
            future.add_done_callback(lambda _: self._inflight.pop(key, None))
        else:
            self.joined += 1
        return await asyncio.shield(future)

    @property
    def in_flight(self) -> int:
        return len(self._inflight)


def ttl_cache(clock: Clock, *, maxsize: int, ttl_s: float) -> TTLCache[Hashable, object]:
    return TTLCache(maxsize=maxsize, ttl=ttl_s, timer=lambda: clock.now_ns() / NS_PER_SECOND)
