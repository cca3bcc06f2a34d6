"""Long conversions hand the event loop back between slices, and convert exactly as a list
comprehension would."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from freeride.core.slices import convert_in_slices


async def test_converts_in_order_and_lets_other_tasks_run_between_slices() -> None:
    ticks: list[int] = []
    converted: list[int] = []

    async def ticker() -> None:
        while True:
            ticks.append(len(converted))
            await asyncio.sleep(0)

    def convert(n: int) -> int:
        converted.append(n)
        return n * 2

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # the ticker has run once, before any conversion
    out = await convert_in_slices(range(350), convert, size=100)
    task.cancel()
    assert out == [n * 2 for n in range(350)]
    # the ticker saw the conversion stop after each full slice, and never inside one
    assert sorted(set(ticks)) == [0, 100, 200, 300]


async def test_a_lazy_source_is_read_slice_by_slice() -> None:
    read: list[int] = []

    def rows() -> Iterator[int]:
        for n in range(250):
            read.append(n)
            yield n

    seen_between: list[int] = []

    async def watcher() -> None:
        while True:
            seen_between.append(len(read))
            await asyncio.sleep(0)

    task = asyncio.create_task(watcher())
    await asyncio.sleep(0)
    assert await convert_in_slices(rows(), str, size=100) == [str(n) for n in range(250)]
    task.cancel()
    assert sorted(set(seen_between)) == [0, 100, 200]  # rows were read a slice at a time


async def test_nothing_to_convert_never_yields() -> None:
    assert await convert_in_slices([], str) == []
