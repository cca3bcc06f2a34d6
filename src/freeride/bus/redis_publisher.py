"""The Redis bus's outgoing side: events appended in memory, written in batches of ``XADD``.

``publish`` is synchronous (handlers publish from inside a dispatch), so it only appends the
encoded entry; one task writes what has gathered in one round trip per batch (a script running
the batch's ``XADD`` commands on the server). An entry
leaves the buffer only once Redis has answered for its batch: when the connection drops mid-batch
the whole batch is written again after reconnecting. Some of it may then be in the stream twice,
with the same event id, which consumers drop (``bus.redis`` de-duplicates on it).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

import structlog
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = structlog.get_logger(__name__)

RETRYABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)
BATCH = 1_000

# One round trip and one reply per batch: the client packs one command instead of a thousand
# (measured: ~6x the events/s of a redis-py pipeline of XADDs here, see docs/decisions.md). The
# batch is atomic on the server; a batch whose answer was lost is written again whole.
XADD_BATCH = """
for i = 1, #KEYS do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i + 1])
end
return #KEYS
"""


class Publisher:
    """Buffer and writer of outgoing entries; ``pending`` is what Redis has not confirmed yet."""

    def __init__(
        self,
        client: Redis,
        max_len: int,
        pause: Callable[[float], Awaitable[None]],
        before: Callable[[], Awaitable[None]],
    ) -> None:
        self._client = client
        self._xadd_batch = client.register_script(XADD_BATCH)  # reloaded by redis-py after a restart
        self._before = before
        self._max_len = max_len
        self._pause = pause
        self._buffer: deque[tuple[str, bytes]] = deque()
        self._wake = asyncio.Event()
        self._flushed = asyncio.Event()
        self._flushed.set()
        self.written = 0
        self.retries = 0
        self.connected = True

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def add(self, key: str, data: bytes) -> None:
        self._buffer.append((key, data))
        if not self._wake.is_set():
            self._wake.set()
            self._flushed.clear()

    async def flushed(self) -> None:
        """Until everything added so far is in Redis."""
        await self._flushed.wait()

    async def run(self) -> None:
        """Write batches until cancelled; retries a failed batch with a capped backoff."""
        buffer = self._buffer
        delay = 0.05
        while True:
            if not buffer:
                self._flushed.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            n = min(BATCH, len(buffer))
            batch = [buffer[i] for i in range(n)]
            try:
                await self._before()  # the groups of this process's subscriptions exist first
                await self._write(batch)
            except RETRYABLE as exc:
                self.retries += 1
                if self.connected:
                    log.warning("bus.redis_publish_retrying", error=repr(exc), pending=len(buffer))
                self.connected = False
                await self._pause(delay)
                delay = min(delay * 2, 2.0)
                continue
            if not self.connected:
                log.info("bus.redis_publish_resumed", pending=len(buffer))
            self.connected = True
            delay = 0.05
            for _ in range(n):
                buffer.popleft()
            self.written += n

    async def _write(self, batch: list[tuple[str, bytes]]) -> None:
        keys = [key for key, _ in batch]
        await self._xadd_batch(keys=keys, args=[self._max_len, *(data for _, data in batch)])
