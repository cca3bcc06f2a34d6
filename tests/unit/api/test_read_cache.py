"""The read cache of stored per-run lists: one load per key per interval, concurrent misses shared."""

from __future__ import annotations

import asyncio

from freeride.api.cache import ReadCache
from freeride.core.clock import ManualClock


async def test_one_load_per_interval_and_concurrent_misses_share_it() -> None:
    clock = ManualClock(0)
    cache = ReadCache(clock, ttl_s=0.5)
    loads: list[int] = []

    async def load() -> list[int]:
        loads.append(1)
        await asyncio.sleep(0)
        return [len(loads)]

    results = await asyncio.gather(*(cache.get(("orders", "r1"), load) for _ in range(20)))
    assert results == [[1]] * 20
    assert len(loads) == 1
    clock.advance(0.4)
    assert await cache.get(("orders", "r1"), load) == [1]
    clock.advance(0.2)
    assert await cache.get(("orders", "r1"), load) == [1]  # stale, served while it refreshes
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert await cache.get(("orders", "r1"), load) == [2]
    assert len(loads) == 2
    assert await cache.get(("orders", "r2"), load) == [3]  # another key, its own load


async def test_zero_ttl_always_loads_and_the_cache_stays_bounded() -> None:
    clock = ManualClock(0)
    uncached = ReadCache(clock, ttl_s=0)
    calls: list[int] = []

    async def load() -> int:
        calls.append(1)
        return len(calls)

    assert [await uncached.get(k, load) for k in "abc"] == [1, 2, 3]
    bounded = ReadCache(clock, ttl_s=10, max_keys=4)
    for i in range(10):
        await bounded.get(i, load)
    assert len(bounded._values) <= 4
