"""The bus between processes: Redis Streams under the same ``Bus`` port as the in-memory bus.

Publishing writes the event's envelope (``bus.codec``) to its family's stream (``bus.redis_streams``);
nothing is delivered in-process on the way out. A reader task takes entries with ``XREADGROUP``
for this process's consumer group (one group per role), decodes them and dispatches them through
the in-memory kernel this class extends, so handlers, priorities, queues and causality behave as
on the in-memory bus; the correlation id travels in the envelope.

At least once, handled once:
* an entry is acknowledged (``XACK``) only after every handler ran without raising and every
  lossless (``PAUSE_SOURCE``) inbox it reached has been drained by its consumer;
* a handler that raises leaves the entry pending; entries idle longer than ``reclaim_idle_ms``
  (a dead worker's, or a failed one) are claimed with ``XAUTOCLAIM`` and handled again, and one
  delivered more than ``max_deliveries`` times goes to the dead-letter stream (``bus.redis_dlq``);
* event ids seen recently are skipped (a window in memory; for roles that write, also a sorted
  set in Redis, written in the same ``MULTI`` as the acknowledgement, checked on redelivery);
* a lost connection is retried with a capped backoff; on resuming, the reader first re-reads its
  own pending entries (``XREADGROUP … 0``), and a group lost with Redis's data is made again.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from itertools import islice
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from freeride.bus import redis_wire as wire
from freeride.bus.codec import UndecodableEvent, decode_envelope, decode_event, encode
from freeride.bus.memory import InMemoryBus
from freeride.bus.queues import EventQueue, Overflow
from freeride.bus.redis_publisher import RETRYABLE, Publisher
from freeride.bus.redis_streams import EVERY_SHARD, Shard, StreamConfig, StreamMap
from freeride.core.clock import Clock, LiveClock
from freeride.ports.bus import Handler

log = structlog.get_logger(__name__)

LOSSLESS = Overflow.PAUSE_SOURCE

Entry = tuple[str, bytes, bytes]  # stream key, entry id, envelope bytes


class RedisBus(InMemoryBus):
    """See the module docstring. ``open()`` starts the tasks, ``drain()`` stops taking entries,
    ``close()`` writes what is still buffered and stops."""

    def __init__(
        self,
        clock: Clock,
        client: Redis,
        *,
        group: str,
        config: StreamConfig | None = None,
        shard: Shard = EVERY_SHARD,
        consumer: str | None = None,
        persist_seen: bool = False,
        ephemeral: bool = False,
        pause: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(clock)
        self.config = config or StreamConfig()
        self.streams = StreamMap(self.config, shard)
        self.group = group
        self.consumer = consumer or f"{group}-{socket.gethostname()}-{os.getpid()}-{self.chain_prefix}"
        self.persist_seen = persist_seen
        self.ephemeral = ephemeral  # a group of this process alone (broadcast), removed at close
        self.client = client
        # The bus owns its client: XREADGROUP's reply is taken as parsed by hiredis, without
        # redis-py's per-entry dict building (a quarter of the reading time, profiled).
        client.set_response_callback("XREADGROUP", _raw)
        self._wall = LiveClock()
        self._pause = pause or self._wall.sleep
        self._publisher = Publisher(client, self.config.max_len, self._pause, self._ensure_groups)
        self._event_seq = 0
        self._local_types: set[str] = set()  # types published here that the codec cannot carry
        self._reading: dict[str, None] = {}  # stream keys this process reads, in subscription order
        self._ungrouped: set[str] = set()  # keys read whose group may not exist yet
        self._seen: dict[str, None] = {}
        self._awaiting: set[str] = set()  # own events on the way back to this process's handlers
        self._settled = asyncio.Event()
        self._settled.set()
        self._progress = asyncio.Event()
        self._failed = False
        self._handling = asyncio.Lock()
        self._acks: deque[tuple[dict[str, list[bytes]], list[str], list[tuple[EventQueue, int]]]] = deque()
        self._ack_wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._acker: asyncio.Task[None] | None = None
        self._draining = False
        self.handled = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self.reclaimed = 0
        self.connected = True
        self.failure: str | None = None  # a task of the bus died: the process must not look healthy
        self.lag: dict[str, int] = {}
        self.pending: dict[str, int] = {}

    # -- publishing ----------------------------------------------------------------------------
    def publish(self, topic: str, event: Any) -> None:
        key = self.streams.key(topic)
        if key is None:  # a topic of no family: stays in this process
            super().publish(topic, event)
            return
        self._event_seq += 1
        event_id = f"{self.chain_prefix}-{self._event_seq:x}"
        chain = self.correlation_id if self._dispatching else self._inherited
        try:
            data = encode(topic, event, event_id, chain or event_id, self.consumer)
        except TypeError as exc:  # not an event the codec carries: this process's handlers only
            self._local_only(topic, event, exc)
            return
        self._publisher.add(key, data)
        if key in self._reading:
            route = self._routes.get(topic) or self._resolve(topic)
            if route.handlers:
                self._awaiting.add(event_id)
                self._settled.clear()

    def _local_only(self, topic: str, event: Any, exc: TypeError) -> None:
        kind = type(event).__name__
        if kind not in self._local_types:
            self._local_types.add(kind)
            log.warning("bus.redis_local_only", topic=topic, type=kind, error=str(exc))
        InMemoryBus.publish(self, topic, event)

    # -- subscribing ---------------------------------------------------------------------------
    def subscribe(self, pattern: str, handler: Handler, *, priority: int = 0) -> Any:
        sub = super().subscribe(pattern, handler, priority=priority)
        for key in self.streams.keys_for(pattern):
            if key not in self._reading:
                self._reading[key] = None
                self._ungrouped.add(key)
        return sub

    # -- lifecycle -----------------------------------------------------------------------------
    async def open(self) -> None:
        """Make the groups of every stream subscribed so far and start writing and reading."""
        if self._tasks:
            return
        await self._ensure_groups()
        self._tasks = [
            asyncio.create_task(self._publisher.run(), name="bus.redis.publish"),
            asyncio.create_task(self._read_loop(), name="bus.redis.read"),
            asyncio.create_task(self._maintain_loop(), name="bus.redis.maintain"),
        ]
        self._acker = asyncio.create_task(self._ack_loop(), name="bus.redis.ack")
        for task in (*self._tasks, self._acker):
            task.add_done_callback(self._task_ended)

    async def drain(self) -> None:
        """Stop taking entries; the batch in hand is finished and acknowledged first."""
        self._draining = True
        async with self._handling:
            pass

    async def close(self) -> None:
        """Drain, acknowledge what the stopped components handled, write what is buffered
        (each bounded by a few seconds when Redis is away), stop."""
        await self.drain()
        if self._acker is not None:
            try:
                await asyncio.wait_for(self._settle_acks(), timeout=5.0)
            except TimeoutError:
                log.warning("bus.redis_unacknowledged", batches=len(self._acks))
            self._acker.cancel()
            await asyncio.gather(self._acker, return_exceptions=True)
            self._acker = None
        if self._tasks and self._publisher.pending:
            try:
                await asyncio.wait_for(self._publisher.flushed(), timeout=5.0)
            except TimeoutError:
                log.error("bus.redis_unflushed", pending=self._publisher.pending)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self.ephemeral:
            try:
                await wire.destroy_group(self.client, list(self._reading), self.group)
            except RETRYABLE as exc:
                log.warning("bus.redis_group_left_behind", group=self.group, error=repr(exc))
        await self.client.aclose()

    async def _settle_acks(self) -> None:
        acker = self._acker
        while self._acks and acker is not None and not acker.done():
            await asyncio.wait({acker}, timeout=0.01)

    async def settled(self) -> None:
        """Until this process's own events have been written, read back and handled (every
        consequence included): ``freeride run`` paces its replay on it, as on the in-memory bus."""
        while True:
            await self._settled.wait()
            await self._publisher.flushed()
            if not self._awaiting and not self._publisher.pending:
                return

    async def handled_batch(self) -> None:
        """Until the reader has finished another batch (handled, skipped or dead-lettered)."""
        self._progress.clear()
        await self._progress.wait()

    async def ready(self) -> None:
        await self.settled()
        await super().ready()

    # -- reading -------------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        backlog = True  # first this consumer's own pending entries (a restart), then new ones
        while not self._draining:
            await InMemoryBus.ready(self)  # lossless inboxes have room
            try:
                await self._ensure_groups()
                keys = list(self._reading)
                if not keys:
                    await self._pause(self.config.block_ms / 1000)
                    continue
                start = "0" if backlog else ">"
                reply = await self.client.xreadgroup(
                    self.group,
                    self.consumer,
                    dict.fromkeys(keys, start),
                    count=self.config.read_count,
                    block=None if backlog else self.config.block_ms,
                )
                self._connected(True)
            except ResponseError as exc:
                if "NOGROUP" not in str(exc) and "UNBLOCKED" not in str(exc):
                    raise  # NOGROUP: the group is gone; UNBLOCKED: a stream read from was deleted
                log.warning("bus.redis_group_lost", group=self.group, error=str(exc))
                self._ungrouped.update(self._reading)  # Redis lost its data: groups again, from the start
                await self._ensure_groups(start="0")
                continue
            except RETRYABLE as exc:
                await self._lost(exc)
                backlog = True
                continue
            entries = _entries(reply)
            if backlog and not entries:
                backlog = False
                continue
            try:
                await self._handle(entries)
            except RETRYABLE as exc:  # what was not acknowledged is read again from the backlog
                await self._lost(exc)
                backlog = True

    async def _handle(self, entries: list[Entry]) -> None:
        async with self._handling:
            done: dict[str, list[bytes]] = {}
            ids: list[str] = []
            skip = await self._persisted_seen(entries) if self.persist_seen else set()
            publish = InMemoryBus.publish
            seen = self._seen
            awaiting = self._awaiting
            for key, entry_id, data in entries:
                try:
                    envelope = decode_envelope(data)
                    event = decode_event(envelope)
                except UndecodableEvent as exc:
                    await wire.dead_letter(self.client, self.streams.dead_letters, key, self.group,
                                           entry_id, data, str(exc), 1)  # fmt: skip
                    self.dead_lettered += 1
                    done.setdefault(key, []).append(entry_id)
                    continue
                event_id = envelope.event_id
                if event_id in seen or event_id in skip:
                    self.duplicates += 1
                else:
                    self._failed = False
                    self._inherited = envelope.correlation_id
                    try:
                        publish(self, envelope.topic, event)
                    finally:
                        self._inherited = None
                    self.handled += 1
                    if self._failed:  # left pending: reclaimed, retried, dead-lettered past N
                        awaiting.discard(event_id)
                        continue
                    seen[event_id] = None
                    ids.append(event_id)
                awaiting.discard(event_id)
                done.setdefault(key, []).append(entry_id)
            marks = [
                (q, q.accepted) for q in self._queues if q.overflow is LOSSLESS and q.finished < q.accepted
            ]
            if marks:  # acknowledged once those inboxes' consumers have handled this far
                self._acks.append((done, ids, marks))
                self._ack_wake.set()
            else:
                await self._ack(done, ids)
            self._trim_seen()
            self._progress.set()
            if not awaiting:
                self._settled.set()

    async def _ack(self, done: dict[str, list[bytes]], ids: list[str]) -> None:
        if not done:
            return
        while True:
            try:
                await wire.ack(self.client, self.group, done,
                               self.streams.seen(self.group) if self.persist_seen else None,
                               ids, self.clock_ms())  # fmt: skip
                return
            except RETRYABLE as exc:
                await self._lost(exc)

    async def _persisted_seen(self, entries: list[Entry]) -> set[str]:
        ids = []
        for _key, _eid, data in entries:
            try:
                ids.append(decode_envelope(data).event_id)
            except UndecodableEvent:
                continue
        while True:
            try:
                return await wire.seen_among(self.client, self.streams.seen(self.group), ids)
            except RETRYABLE as exc:
                await self._lost(exc)

    def _handler_failed(self, topic: str, handler: Handler, exc: Exception, event: Any) -> None:
        self._failed = True
        super()._handler_failed(topic, handler, exc, event)

    async def _ack_loop(self) -> None:
        """Acknowledge batches that reached a lossless inbox once its consumer has handled them."""
        acks = self._acks
        while True:
            if not acks:
                self._ack_wake.clear()
                await self._ack_wake.wait()
                continue
            done, ids, marks = acks[0]
            for queue, mark in marks:
                if not await queue.wait_finished(mark):
                    return  # the consumer stopped short: left pending, delivered again later
            await self._ack(done, ids)
            acks.popleft()

    def _trim_seen(self) -> None:
        seen, window = self._seen, self.config.dedupe_window
        excess = len(seen) - window
        if excess > 0:
            for event_id in list(islice(seen, excess)):
                del seen[event_id]

    # -- upkeep: reclaim, dead letters, trimming, lag ------------------------------------------
    async def _maintain_loop(self) -> None:
        every = max(self.config.reclaim_idle_ms / 2000, 0.05)
        while not self._draining:
            await self._pause(every)
            try:
                await self.reclaim_once()
                await self.refresh_stats()
                if self.persist_seen:
                    cutoff = self.clock_ms() - int(self.config.seen_ttl_s * 1000)
                    await wire.forget_seen_before(self.client, self.streams.seen(self.group), cutoff)
                if self.config.retention_s is not None:
                    cutoff = self.clock_ms() - int(self.config.retention_s * 1000)
                    await wire.trim_older(self.client, list(self._reading), cutoff)
            except RETRYABLE as exc:
                await self._lost(exc)

    async def reclaim_once(self) -> int:
        """Claim entries idle past ``reclaim_idle_ms`` on every stream read; handle them again or,
        past ``max_deliveries``, dead-letter them. Returns how many were claimed."""
        claimed_total = 0
        for key in list(self._reading):
            if self._draining:
                break
            claimed = await wire.autoclaim(self.client, key, self.group, self.consumer,
                                           self.config.reclaim_idle_ms, self.config.read_count)  # fmt: skip
            if not claimed:
                continue
            claimed_total += len(claimed)
            deliveries = await wire.deliveries(
                self.client, key, self.group, self.consumer, [e for e, _ in claimed]
            )
            retry: list[Entry] = []
            for entry_id, data in claimed:
                count = deliveries.get(entry_id, 1)
                if count > self.config.max_deliveries:
                    reason = f"not handled after {count - 1} deliveries"
                    await wire.dead_letter(
                        self.client,
                        self.streams.dead_letters,
                        key,
                        self.group,
                        entry_id,
                        data,
                        reason,
                        count - 1,
                    )
                    await wire.ack(self.client, self.group, {key: [entry_id]}, None, [], 0)
                    self.dead_lettered += 1
                    log.error("bus.redis_dead_letter", stream=key, entry=entry_id.decode(), reason=reason)
                else:
                    retry.append((key, entry_id, data))
            if retry:
                self.reclaimed += len(retry)
                await self._handle(retry)
        return claimed_total

    async def refresh_stats(self) -> None:
        """Lag and pending count of this group on every stream read (for the metrics)."""
        self.lag, self.pending = await wire.group_stats(self.client, list(self._reading), self.group)

    def _task_ended(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        self.failure = f"{task.get_name()} died: {task.exception()!r}"
        log.critical(
            "bus.redis_task_died",
            task=task.get_name(),
            error=repr(task.exception()),
            exc_info=task.exception(),
        )

    # -- connection ----------------------------------------------------------------------------
    async def _ensure_groups(self, start: str | None = None) -> None:
        if self._ungrouped:
            todo = list(self._ungrouped)
            first = start or ("$" if self.config.start == "new" else "0")
            await wire.create_groups(self.client, todo, self.group, first)
            self._ungrouped.difference_update(todo)

    async def _lost(self, exc: BaseException) -> None:
        if self.connected:
            log.warning("bus.redis_unavailable", error=repr(exc), group=self.group)
        self._connected(False)
        await self._pause(0.2)

    def _connected(self, up: bool) -> None:
        if up and not self.connected:
            log.info("bus.redis_resumed", group=self.group)
        self.connected = up

    @property
    def healthy(self) -> bool:
        return self.connected and self._publisher.connected and self.failure is None

    @property
    def unwritten(self) -> int:
        return self._publisher.pending

    def clock_ms(self) -> int:
        """Wall time in ms: the persisted window and ``MINID`` are compared with Redis's own ids."""
        return self._wall.now_ns() // 1_000_000

    def lossless_queues(self) -> Iterable[EventQueue]:
        return (q for q in self._queues if q.overflow is Overflow.PAUSE_SOURCE)


def _text(key: bytes | str) -> str:
    return key.decode() if isinstance(key, bytes) else key


def _raw(response: Any, **_: Any) -> Any:
    return response


def _entries(reply: Any) -> list[Entry]:
    """``XREADGROUP``'s raw reply (a map ``{key: [[id, [b"e", envelope]], …]}`` in RESP3, a list
    of ``[key, entries]`` pairs in RESP2) as (key, id, envelope) rows; an entry deleted while
    pending comes back without fields and is dropped (there is nothing to handle)."""
    if not reply:
        return []
    pairs = reply.items() if isinstance(reply, dict) else reply
    return [(_text(key), entry_id, fields[1]) for key, got in pairs for entry_id, fields in got if fields]
