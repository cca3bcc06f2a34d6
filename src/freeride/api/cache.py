"""A short read-through cache for stored per-run lists (orders, fills, positions).

The recorder writes these in batches, so what storage holds is already a fraction of a second
behind the engine; caching a run's list for ``ttl_s`` on the injected clock costs no freshness a
reader could notice and turns a dashboard full of pollers (or a scraper) into one query per list
per interval. Concurrent misses share one query, and once a list is cached an expired copy is
served while one request refreshes it, so no reader waits on the database after the first.
Bounded: at most ``max_keys`` lists are kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from freeride.core.clock import NS_PER_SECOND, Clock


class ReadCache:
    def __init__(self, clock: Clock, ttl_s: float = 0.5, max_keys: int = 256) -> None:
        self._clock = clock
        self._ttl_ns = int(ttl_s * NS_PER_SECOND)
        self._max = max_keys
        self._values: dict[Hashable, tuple[Any, int]] = {}
        self._flights: dict[Hashable, asyncio.Future[Any]] = {}

    async def get(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        now = self._clock.now_ns()
        hit = self._values.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        flight = self._flights.get(key)
        if flight is None:
            flight = self._flights[key] = asyncio.ensure_future(self._load(key, load))
            flight.add_done_callback(lambda f: self._landed(key, f))
        if hit is not None:  # stale: answer with it while one request refreshes it
            return hit[0]
        return await asyncio.shield(flight)

    def _landed(self, key: Hashable, flight: asyncio.Future[Any]) -> None:
        self._flights.pop(key, None)
        if not flight.cancelled():
            flight.exception()  # retrieved: a failed refresh nobody awaited is not an unhandled error

    async def _load(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        value = await load()
        if self._ttl_ns > 0:
            if len(self._values) >= self._max:
                self._values.clear()
            self._values[key] = (value, self._clock.now_ns() + self._ttl_ns)
        return value
