"""Clocks: the only place the wall clock and real sleeping are allowed.

Everything that needs the time takes a ``Clock``, so a backtest runs on simulated time and a test
moves time by hand instead of sleeping.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

NS_PER_SECOND = 1_000_000_000


def ns_to_datetime(ns: int) -> datetime:
    """UTC ``datetime`` for a timestamp in nanoseconds since the epoch."""
    return datetime.fromtimestamp(ns / NS_PER_SECOND, tz=UTC)


def datetime_to_ns(dt: datetime) -> int:
    """Nanoseconds since the epoch; a naive datetime is taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NS_PER_SECOND + delta.microseconds * 1_000


@runtime_checkable
class Clock(Protocol):
    """Where components read the time and wait."""

    def now_ns(self) -> int:
        """Nanoseconds since the epoch, UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...


class LiveClock:
    """The wall clock and real ``asyncio.sleep``."""

    def now_ns(self) -> int:
        return time.time_ns()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ScaledClock:
    """Time that runs ``speed`` times faster than the wall clock, from ``start_ns``: a simulated
    market day in minutes. Only prices that are simulated can keep up with it."""

    def __init__(self, speed: float, start_ns: int | None = None) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self.speed = speed
        self._origin = time.monotonic_ns()
        self._start = time.time_ns() if start_ns is None else start_ns

    def now_ns(self) -> int:
        return self._start + int((time.monotonic_ns() - self._origin) * self.speed)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)


class ManualClock:
    """A clock that moves only when told to; sleepers wake when time passes their deadline.

    Tests and the backtester use it: ``advance`` wakes every sleeper whose deadline has come, in
    deadline order, so time-driven behaviour (cooldowns, retries, quotas) is tested without waiting.
    """

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns
        self._sleepers: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now_ns(self) -> int:
        return self._now

    def set_ns(self, ns: int) -> None:
        """Move to ``ns`` (never backwards) and wake the sleepers that are due."""
        if ns < self._now:
            raise ValueError(f"ManualClock cannot go backwards: {ns} < {self._now}")
        self._now = ns
        while self._sleepers and self._sleepers[0][0] <= ns:
            _, _, fut = heapq.heappop(self._sleepers)
            if not fut.done():
                fut.set_result(None)

    def advance(self, seconds: float) -> None:
        self.set_ns(self._now + round(seconds * NS_PER_SECOND))

    @property
    def sleepers(self) -> int:
        """How many tasks are waiting on this clock (tests use it to know a task is parked)."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    async def sleep(self, seconds: float) -> None:
        deadline = self._now + max(0, round(seconds * NS_PER_SECOND))
        if deadline <= self._now:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._seq), fut))
        await fut
