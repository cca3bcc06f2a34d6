"""The recorder: everything worth keeping goes from the bus to the database in large batches.

The bus hands the recorder a lossless queue (``Overflow.PAUSE_SOURCE``); the recorder drains it in
its own task. A batch is whatever is queued, up to ``batch_size`` events; when fewer are waiting
it lingers up to ``flush_interval_s`` (on the injected clock) for more, so a trickle of events
costs a few commits a second rather than one per event. Each batch is written in **one
transaction**, grouped by kind, and marked done on the queue only after it committed, so
``bus.idle()`` returning means the events are stored.

Failures: a batch that fails to commit is logged and kept; the recorder retries it with growing
pauses and takes nothing new meanwhile, so the queue fills and lossless sources pause instead of
events being dropped. ``stop()`` drains the queue and writes what is left; if that last write still
fails, ``stop()`` raises ``RecordingFailed`` carrying the events that were not stored. A failed
batch rolls back as a whole, so nothing already stored is ever lost or half-written.

Durability: on PostgreSQL the recorder's transactions commit with ``synchronous_commit = off``,
the same trade SQLite makes with ``synchronous=NORMAL`` in WAL mode: a power cut can lose the last
fraction of a second of recorded events but never corrupts what is stored, and commits stop
waiting for the disk. Writes through the repositories (an order intent persisted before it is
sent) keep full durability.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from time import perf_counter_ns
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from freeride.bus import topics
from freeride.bus.queues import EventQueue
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.errors import TemporaryError
from freeride.core.latency import LatencyHistogram
from freeride.core.market import Bar
from freeride.core.orders import AccountState, Fill, Order, Position
from freeride.core.system import SystemEvent
from freeride.storage import writes

log = structlog.get_logger(__name__)

# What the recorder stores; the composition root subscribes its queue to these.
# What the recorder keeps where an order manager stores the ledger (orders, fills, positions):
# each table has one writer.
MARKET_AND_SYSTEM_TOPICS = [topics.ALL_BARS, topics.ALL_SYSTEM, topics.ALL_ACCOUNTS]  # accounts: equity marks

RECORDED_TOPICS = [
    topics.ALL_BARS,
    topics.ALL_ORDER_UPDATES,
    topics.ALL_FILLS,
    topics.ALL_POSITIONS,
    topics.ALL_SYSTEM,
    topics.ALL_ACCOUNTS,
]

# Large batches amortise what a transaction costs whatever its size (on PostgreSQL about a
# millisecond: begin, probe, savepoint, commit) against ~1.5 µs per bar copied; on this project's
# benchmark 5,000 bars a batch store ~420,000 bars/s and 20,000 ~560,000. A batch is also capped by
# what the queue holds, so a queue smaller than this gives smaller batches.
DEFAULT_BATCH_SIZE = 20_000

_RETRY_FIRST_S = 0.5
_RETRY_MAX_S = 30.0


class RecordingFailed(TemporaryError):
    """Events could not be stored even on the last attempt at stop; ``unwritten`` holds them."""

    def __init__(self, message: str, unwritten: list[Any]) -> None:
        super().__init__(message)
        self.unwritten = unwritten


class Recorder(Component):
    """Drains ``queue`` into the database for run ``run_id`` (see the module docstring).

    Counters: ``flushed_rows`` is how many recorded events (bars, orders, fills, positions,
    system events) were in committed writes, duplicates included; ``flushed_batches`` how many
    transactions committed them; ``write_failures`` how many writes failed and were retried.
    """

    name = "recorder"

    def __init__(
        self,
        engine: AsyncEngine,
        queue: EventQueue,
        run_id: str,
        *,
        clock: Clock,
        batch_size: int = DEFAULT_BATCH_SIZE,
        flush_interval_s: float = 0.2,
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"recorder batch_size must be at least 1, got {batch_size}")
        self._engine = engine
        self._queue = queue
        self.run_id = run_id
        self._clock = clock
        self.batch_size = batch_size
        self.flush_interval_s = flush_interval_s
        self.flushed_rows = 0
        self.flushed_batches = 0
        self.write_failures = 0
        self.write_latency = LatencyHistogram()
        self.unwritten: list[Any] = []
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    async def _on_start(self) -> None:
        self._stopping = asyncio.Event()
        self.unwritten = []
        async with self._engine.begin() as conn:
            await writes.ensure_run(conn, self.run_id, self._clock.now_ns())
        self._task = self.spawn(self._run, f"recorder:{self.run_id}")
        self._task.add_done_callback(self._ended)

    async def _on_stop(self) -> None:
        self._stopping.set()
        task, self._task = self._task, None
        if task is not None:
            await task

    def _ended(self, task: asyncio.Task[None]) -> None:
        """Say so at once when the drain task dies while running; ``stop()`` re-raises it."""
        if not task.cancelled() and task.exception() is not None and not self._stopping.is_set():
            log.error("storage.recorder.crashed", run_id=self.run_id, error=repr(task.exception()))

    # -- the drain loop ------------------------------------------------------------------------
    async def _run(self) -> None:
        batch: list[Any] = []
        failing = False
        while True:
            if not batch:
                batch = await self._collect()
                if not batch:
                    return
            try:
                await self.write_batch(batch)
            except Exception as exc:
                self.write_failures += 1
                failing = True
                log.error(
                    "storage.recorder.write_failed",
                    run_id=self.run_id,
                    events=len(batch),
                    failures=self.write_failures,
                    error=repr(exc),
                )
                if self._stopping.is_set():
                    self._give_up(batch, exc)
                await self._pause_before_retry()
                continue
            self._queue.done(len(batch))
            if failing:
                log.info("storage.recorder.recovered", run_id=self.run_id, events=len(batch))
                failing = False
            batch = []

    def _give_up(self, batch: list[Any], exc: Exception) -> None:
        self.unwritten = batch
        self._queue.done(len(batch))
        raise RecordingFailed(
            f"recorder for run {self.run_id!r}: {len(batch)} events could not be stored: {exc!r}",
            batch,
        ) from exc

    async def _pause_before_retry(self) -> None:
        delay = min(_RETRY_MAX_S, _RETRY_FIRST_S * 2 ** min(self.write_failures - 1, 16))
        timer = asyncio.ensure_future(self._clock.sleep(delay))
        try:
            await self._first_of(timer)
        finally:
            timer.cancel()

    async def _collect(self) -> list[Any]:
        """The next batch: what is queued now, topped up while lingering; ``[]`` when finished."""
        batch = await self._take(self.batch_size, None)
        if not batch or self.flush_interval_s <= 0 or len(batch) >= self.batch_size:
            return batch
        timer = asyncio.ensure_future(self._clock.sleep(self.flush_interval_s))
        try:
            while len(batch) < self.batch_size and not timer.done():
                more = await self._take(self.batch_size - len(batch), timer)
                if not more:  # the timer fired, stop was requested or the queue closed
                    break
                batch.extend(more)
        finally:
            timer.cancel()
        return batch

    async def _take(self, n: int, timer: asyncio.Future[None] | None) -> list[Any]:
        """Up to ``n`` events; waits for one unless stopping, the queue closed, or ``timer`` fired."""
        queue = self._queue
        if len(queue) or queue.closed or self._stopping.is_set():
            return await queue.get_batch(n) if len(queue) else []
        getter = asyncio.ensure_future(queue.get_batch(n))
        try:
            await self._first_of(getter, timer)
        finally:
            if not getter.done():  # not finished means it took nothing yet: cancelling loses no event
                getter.cancel()
                await asyncio.gather(getter, return_exceptions=True)
        return [] if getter.cancelled() else getter.result()

    async def _first_of(self, *waiters: asyncio.Future[Any] | None) -> None:
        """Wait until any of ``waiters`` finishes or stop is requested."""
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait(
                [w for w in (*waiters, stop) if w is not None], return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            stop.cancel()

    # -- batch writes (also called directly by the benchmark and other storage users) ----------
    async def write_batch(self, events: Sequence[Any]) -> int:
        """Write a mixed batch in one transaction; events of other kinds are ignored.

        Returns how many events were of a recorded kind.
        """
        bars: list[Bar] = []
        orders: list[Order] = []
        fills: list[Fill] = []
        positions: list[Position] = []
        system: list[SystemEvent] = []
        accounts: list[AccountState] = []
        for event in events:
            kind = type(event)
            if kind is Bar:
                bars.append(event)
            elif kind is Order:
                orders.append(event)
            elif kind is Fill:
                fills.append(event)
            elif kind is Position:
                positions.append(event)
            elif kind is SystemEvent:
                system.append(event)
            elif kind is AccountState:
                accounts.append(event)
        run_id = self.run_id
        async with self._transaction() as conn:
            await writes.write_bars(conn, bars)
            await writes.write_orders(conn, run_id, orders)
            await writes.write_fills(conn, run_id, fills)
            await writes.write_positions(conn, run_id, positions)
            await writes.write_system_events(conn, run_id, system)
            await writes.write_account_states(conn, run_id, accounts)
        stored = len(bars) + len(orders) + len(fills) + len(positions) + len(system) + len(accounts)
        return self._committed(stored)

    async def write_bars(self, bars: Sequence[Bar]) -> int:
        """Store bars in one transaction (duplicates ignored); returns how many were new."""
        async with self._transaction() as conn:
            new = await writes.write_bars(conn, bars)
        self._committed(len(bars))
        return new

    async def write_orders(self, orders: Sequence[Order]) -> int:
        async with self._transaction() as conn:
            await writes.write_orders(conn, self.run_id, orders)
        return self._committed(len(orders))

    async def write_fills(self, fills: Sequence[Fill]) -> int:
        async with self._transaction() as conn:
            await writes.write_fills(conn, self.run_id, fills)
        return self._committed(len(fills))

    async def write_positions(self, positions: Sequence[Position]) -> int:
        async with self._transaction() as conn:
            await writes.write_positions(conn, self.run_id, positions)
        return self._committed(len(positions))

    async def write_system_events(self, events: Sequence[SystemEvent]) -> int:
        async with self._transaction() as conn:
            await writes.write_system_events(conn, self.run_id, events)
        return self._committed(len(events))

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        """One transaction, timed from begin to commit into ``write_latency`` (for /metrics)."""
        began = perf_counter_ns()
        async with self._engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            yield conn
        self.write_latency.observe((perf_counter_ns() - began) / 1e9)

    def _committed(self, rows: int) -> int:
        self.flushed_rows += rows
        self.flushed_batches += 1
        return rows
