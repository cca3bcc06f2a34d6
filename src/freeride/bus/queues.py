"""Bounded queues that let I/O components receive events without ever stalling the publisher.

The publisher (the trading kernel) only ever appends; the consumer drains in its own task. What
happens when a consumer falls behind is the queue's stated ``Overflow`` policy:

* ``DROP_OLDEST``: keep the newest events, count and report what was dropped (live views,
  WebSocket clients: the latest price matters, not the one from two seconds ago).
* ``DROP_NEWEST``: keep what is queued, refuse the newcomer (consumers that must see a prefix).
* ``PAUSE_SOURCE``: lossless. Nothing is dropped; above ``maxsize`` the queue reports pressure and
  sources that can wait (replay, backfills) ``await bus.ready()`` before publishing more, so memory
  stays bounded by what a source publishes between two checks. Storage uses this.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from freeride.ports.bus import Overflow

__all__ = ["EventQueue", "Overflow", "QueueClosed"]


class EventQueue:
    """One consumer's inbox. ``pending`` counts events queued or taken but not yet marked done."""

    def __init__(
        self,
        name: str,
        maxsize: int,
        overflow: Overflow,
        on_drop: Callable[[EventQueue], None] | None = None,
    ) -> None:
        if maxsize < 1:
            raise ValueError(f"queue {name!r}: maxsize must be at least 1, got {maxsize}")
        self.name = name
        self.maxsize = maxsize
        self.overflow = overflow
        self.dropped = 0
        self.high_water = 0
        self.accepted = 0  # events ever queued, and ever marked done: a bus between processes
        self.finished = 0  # acknowledges its entries once ``finished`` passes their ``accepted``
        self._items: deque[Any] = deque()
        self._in_flight = 0
        self._on_drop = on_drop
        self._nonempty = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._has_room = asyncio.Event()
        self._has_room.set()
        self._progress = asyncio.Event()
        self._closed = False

    def __len__(self) -> int:
        return len(self._items)

    @property
    def pending(self) -> int:
        return len(self._items) + self._in_flight

    @property
    def closed(self) -> bool:
        return self._closed

    def put(self, event: Any) -> None:
        """Called by the bus on the publisher's thread; never blocks, never raises on overflow."""
        if self._closed:
            return
        items = self._items
        if len(items) >= self.maxsize:
            if self.overflow is Overflow.DROP_OLDEST:
                items.popleft()
                self._note_drop()
            elif self.overflow is Overflow.DROP_NEWEST:
                self._note_drop()
                return
            else:
                self._has_room.clear()
        items.append(event)
        self.accepted += 1
        n = len(items)
        if n > self.high_water:
            self.high_water = n
        self._idle.clear()
        self._nonempty.set()

    def _note_drop(self) -> None:
        self.dropped += 1
        if self._on_drop is not None:
            self._on_drop(self)

    async def get_batch(self, max_items: int = 1_000) -> list[Any]:
        """Wait for at least one event and take up to ``max_items``; mark them with ``done``."""
        while not self._items:
            if self._closed:
                return []
            self._nonempty.clear()
            await self._nonempty.wait()
        items = self._items
        n = min(max_items, len(items))
        batch = [items.popleft() for _ in range(n)]
        self._in_flight += n
        if not items:
            self._nonempty.clear()
        self._update_room()
        return batch

    async def get(self) -> Any:
        """Wait for one event; call ``done()`` when it has been handled."""
        batch = await self.get_batch(1)
        if not batch:
            raise QueueClosed(self.name)
        return batch[0]

    def done(self, n: int = 1) -> None:
        self._in_flight -= n
        if self._in_flight < 0:
            raise ValueError(f"queue {self.name!r}: done() called more times than events were taken")
        self.finished += n
        self._progress.set()
        if self.pending == 0:
            self._idle.set()

    def _update_room(self) -> None:
        if not self._has_room.is_set() and len(self._items) <= self.maxsize // 2:
            self._has_room.set()

    async def wait_idle(self) -> None:
        await self._idle.wait()

    async def wait_finished(self, mark: int) -> bool:
        """Until ``mark`` events have been marked done (``True``), or the queue was closed and
        its consumer stopped short of that (``False``)."""
        while self.finished < mark:
            if self._closed and not self._in_flight and not self._items:
                return False
            self._progress.clear()
            await self._progress.wait()
        return True

    async def wait_room(self) -> None:
        await self._has_room.wait()

    def close(self) -> None:
        """Stop accepting events; the consumer still drains what is queued, then sees the end."""
        self._closed = True
        self._nonempty.set()
        self._has_room.set()
        self._progress.set()


class QueueClosed(Exception):
    """The queue was closed and is empty."""
