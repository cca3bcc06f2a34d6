"""Discord's REST rate limits, kept the way Discord describes them (docs: topics/rate-limits).

* **Per route**: each reply names its bucket (``X-RateLimit-Bucket``) and says how many requests
  are left in it (``-Remaining``) and when it refills (``-Reset-After``, seconds). Routes that
  share a bucket hash share the limit, per *major parameter* (the channel, the guild, the
  interaction webhook). A request waits for its bucket's reset when the bucket is known to be
  empty, instead of earning a 429.
* **Global**: at most ``global_per_s`` requests a second across the bot (50 by default); a 429 with
  ``X-RateLimit-Scope: global`` (or ``"global": true``) pauses every route.
* Requests to one bucket go one at a time (a lock), so the first reply's headers govern the next
  request: a burst earns at most one 429 per bucket reset, however many callers push at once.

Every wait is on the injected clock.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from freeride.core.clock import NS_PER_SECOND, Clock

KEPT = 10_000  # bucket states kept before the refilled ones are forgotten (one per interaction token)


@dataclass
class _Bucket:
    remaining: int | None = None
    reset_at_ns: int = 0
    lock: asyncio.Lock | None = None


def _float(value: str | None) -> float | None:
    try:
        return None if value is None else max(0.0, float(value))
    except ValueError:
        return None


class RateLimits:
    """The buckets of one bot (or one application's interaction webhooks)."""

    def __init__(self, clock: Clock, *, global_per_s: int = 50) -> None:
        self._clock = clock
        self._global_per_s = global_per_s
        self._sent: deque[int] = deque()  # when the last ``global_per_s`` requests went out
        self._global_until_ns = 0
        self._hashes: dict[str, str] = {}  # route template → bucket hash Discord named
        self._buckets: dict[str, _Bucket] = {}
        self.waits = 0  # pauses taken before a request because a bucket or the global limit was empty

    def _key(self, route: str, major: str) -> str:
        return f"{self._hashes.get(route, route)}:{major}"

    @asynccontextmanager
    async def slot(self, route: str, major: str) -> AsyncIterator[None]:
        """Hold the route's bucket while one request is made; waits first when it is empty."""
        bucket = self._buckets.get(self._key(route, major))
        if bucket is None:
            if len(self._buckets) >= KEPT:
                self._forget_refilled()
            bucket = self._buckets[self._key(route, major)] = _Bucket()
        if bucket.lock is None:
            bucket.lock = asyncio.Lock()
        async with bucket.lock:
            await self._wait_bucket(bucket)
            await self._wait_global()
            yield

    async def _wait_bucket(self, bucket: _Bucket) -> None:
        now = self._clock.now_ns()
        if bucket.remaining == 0 and bucket.reset_at_ns > now:
            self.waits += 1
            await self._clock.sleep((bucket.reset_at_ns - now) / NS_PER_SECOND)
            bucket.remaining = None

    async def _wait_global(self) -> None:
        while True:
            now = self._clock.now_ns()
            if self._global_until_ns > now:
                self.waits += 1
                await self._clock.sleep((self._global_until_ns - now) / NS_PER_SECOND)
                continue
            while self._sent and self._sent[0] <= now - NS_PER_SECOND:
                self._sent.popleft()
            if len(self._sent) < self._global_per_s:
                self._sent.append(now)
                return
            self.waits += 1
            await self._clock.sleep((self._sent[0] + NS_PER_SECOND - now) / NS_PER_SECOND)

    def learn(self, route: str, major: str, response: httpx.Response) -> None:
        """Take the bucket's state from a reply's ``X-RateLimit-*`` headers."""
        headers = response.headers
        name = headers.get("x-ratelimit-bucket")
        if name is not None and self._hashes.get(route) != name:
            old = self._buckets.pop(self._key(route, major), None)
            self._hashes[route] = name
            if old is not None:
                self._buckets.setdefault(self._key(route, major), old)
        remaining = headers.get("x-ratelimit-remaining")
        reset_after = _float(headers.get("x-ratelimit-reset-after"))
        if remaining is None or reset_after is None:
            return
        bucket = self._buckets.setdefault(self._key(route, major), _Bucket())
        try:
            bucket.remaining = int(remaining)
        except ValueError:
            return
        bucket.reset_at_ns = self._clock.now_ns() + round(reset_after * NS_PER_SECOND)

    def limited(self, route: str, major: str, retry_after_s: float, *, is_global: bool) -> None:
        """A 429: nothing more on that bucket (or anywhere, when global) for ``retry_after_s``."""
        until = self._clock.now_ns() + round(retry_after_s * NS_PER_SECOND)
        if is_global:
            self._global_until_ns = max(self._global_until_ns, until)
            return
        bucket = self._buckets.setdefault(self._key(route, major), _Bucket())
        bucket.remaining = 0
        bucket.reset_at_ns = max(bucket.reset_at_ns, until)

    def _forget_refilled(self) -> None:
        now = self._clock.now_ns()
        for key in [k for k, b in self._buckets.items() if b.reset_at_ns <= now and not _busy(b)]:
            del self._buckets[key]


def _busy(bucket: _Bucket) -> bool:
    return bucket.lock is not None and bucket.lock.locked()
