"""Waiting in tests without sleeping: let other tasks run until a condition holds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def until(predicate: Callable[[], bool], *, max_turns: int = 1_000_000) -> None:
    """Yield to the event loop until ``predicate()`` is true; no clock time passes.

    Bounded, so a condition that never comes fails the test instead of hanging it.
    """
    for _ in range(max_turns):
        if predicate():
            return
        await asyncio.sleep(0)
    raise AssertionError("the awaited condition never became true")
