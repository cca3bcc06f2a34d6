"""Long conversions done in slices, handing the event loop back between them.

The engine, the API and the bus share one event loop, so a request that turns a thousand stored
rows into objects (and those into response models) holds every tick, order and probe back until
it is done: about 20 ms for a page of journal entries. Converting a hundred at a time and
yielding between slices keeps any one stretch on the loop near two milliseconds, whatever the
page size; the cost is one extra trip through the loop per slice, a few microseconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

SLICE = 100
"""Items converted between two yields: about 2 ms of work for the heaviest rows (journal
entries with JSON data) on a loaded machine."""


async def convert_in_slices(items: Iterable[T], convert: Callable[[T], R], size: int = SLICE) -> list[R]:
    """``[convert(i) for i in items]``, yielding to the loop after every ``size`` items.

    ``items`` may be lazy (a database result whose rows are decoded as they are read): that
    work is sliced too."""
    out: list[R] = []
    for n, item in enumerate(items, 1):
        out.append(convert(item))
        if n % size == 0:
            await asyncio.sleep(0)
    return out
