"""The recorder end to end: bus → lossless queue → batches → one transaction each, on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from storage_builders import bar, bars, fill, order, position, system_event

from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.bus.queues import EventQueue, Overflow
from freeride.core.clock import ManualClock
from freeride.core.market import Quote
from freeride.core.orders import OrderStatus
from freeride.core.system import Level
from freeride.storage.recorder import RECORDED_TOPICS, Recorder, RecordingFailed
from freeride.storage.repositories import Repositories

RUN = "run-rec"


class Rig:
    """A bus, the recorder's lossless queue, a manual clock and a commit counter."""

    def __init__(self, engine: AsyncEngine, *, maxsize: int = 10_000) -> None:
        self.engine = engine
        self.clock = ManualClock(start_ns=1_000)
        self.bus = InMemoryBus(self.clock)
        self.queue: EventQueue = self.bus.subscribe_queue(
            RECORDED_TOPICS, name="recorder", maxsize=maxsize, overflow=Overflow.PAUSE_SOURCE
        )
        self.repos = Repositories.from_engine(engine)
        self.commits = 0
        event.listen(engine.sync_engine, "commit", self._count)

    def _count(self, _conn: Any) -> None:
        self.commits += 1

    def recorder(self, **kw: Any) -> Recorder:
        kw.setdefault("flush_interval_s", 0.0)
        return Recorder(self.engine, self.queue, RUN, clock=self.clock, **kw)

    def publish_all(self, events: list[Any]) -> None:
        for e in events:
            self.bus.publish(_topic(e), e)

    async def parked(self) -> None:
        """Until the recorder waits on the clock (lingering or pausing before a retry)."""
        for _ in range(10_000):
            if self.clock.sleepers:
                return
            await asyncio.sleep(0)
        raise AssertionError("the recorder never waited on the clock")

    def close(self) -> None:
        event.remove(self.engine.sync_engine, "commit", self._count)


def _topic(e: Any) -> str:
    name = type(e).__name__
    route: dict[str, Callable[[Any], str]] = {
        "Bar": lambda b: topics.bar(b.symbol, b.interval),
        "Order": lambda o: topics.order_update(o.symbol),
        "Fill": lambda f: topics.fill(f.symbol),
        "Position": lambda p: topics.position(p.symbol),
        "SystemEvent": lambda s: topics.system(s.level, s.source),
        "Quote": lambda q: topics.quote(q.symbol),
    }
    return route[name](e)


@pytest.fixture
async def rig(engine: AsyncEngine) -> AsyncIterator[Rig]:
    r = Rig(engine)
    yield r
    r.close()


def _mixed(n_bars: int) -> list[Any]:
    return [
        *bars(n_bars),
        order("o1", OrderStatus.SUBMITTED, ts=1),
        order("o1", OrderStatus.ACCEPTED, ts=2),
        order("o1", OrderStatus.FILLED, ts=2),
        fill("f1", ts=2),
        fill("f1", ts=2),  # delivered twice
        position("GOOG", "10", ts=2),
        system_event("run_started", ts=1),
        system_event("slow", Level.WARNING, "gateway", ts=3),
    ]


async def test_end_to_end_through_the_bus(rig: Rig) -> None:
    recorder = rig.recorder(batch_size=64)
    await recorder.start()
    for e in _mixed(1_000):
        rig.bus.publish(_topic(e), e)
        await rig.bus.ready()  # a lossless source waits when the recorder falls behind
    await rig.bus.idle()

    repos = rig.repos
    assert await repos.bars.query("GOOG", "1m") == bars(1_000)
    stored = await repos.orders.get(RUN, "o1")
    assert stored is not None
    assert stored.status is OrderStatus.FILLED
    assert await repos.fills.list_by_run(RUN) == [fill("f1", ts=2)]
    assert await repos.positions.list_by_run(RUN) == [position("GOOG", "10", ts=2)]
    assert [e.kind for e in await repos.system_events.query(RUN)] == ["run_started", "slow"]
    assert await repos.runs.get(RUN) is not None  # the recorder made sure its run exists
    assert recorder.flushed_rows == 1_008
    assert rig.queue.pending == 0
    assert rig.queue.dropped == 0
    await recorder.stop()


async def test_one_transaction_per_batch(rig: Rig) -> None:
    recorder = rig.recorder(batch_size=400)
    await recorder.start()
    before = rig.commits
    rig.publish_all(_mixed(992))  # 1,000 events queued before the recorder runs again
    await rig.bus.idle()

    assert recorder.flushed_batches == 3  # 400 + 400 + 200
    assert rig.commits - before == 3
    assert recorder.flushed_rows == 1_000
    assert await rig.repos.bars.count() == 992
    await recorder.stop()


async def test_lingers_on_the_clock_for_a_fuller_batch(rig: Rig) -> None:
    recorder = rig.recorder(batch_size=100, flush_interval_s=0.2)
    await recorder.start()
    rig.publish_all(bars(5))
    await rig.parked()
    rig.publish_all(bars(5, start=5))
    await asyncio.sleep(0)
    assert recorder.flushed_batches == 0  # still waiting for more

    rig.clock.advance(0.2)
    await rig.bus.idle()
    assert (recorder.flushed_batches, recorder.flushed_rows) == (1, 10)

    rig.publish_all(bars(100, start=10))  # a full batch goes at once, no waiting
    await rig.bus.idle()
    assert (recorder.flushed_batches, recorder.flushed_rows) == (2, 110)
    await recorder.stop()


async def test_stop_drains_and_flushes_what_is_queued(rig: Rig) -> None:
    recorder = rig.recorder(batch_size=1_000, flush_interval_s=60.0)
    await recorder.start()
    rig.publish_all(_mixed(10))
    await rig.parked()  # lingering: nothing written yet
    assert recorder.flushed_rows == 0
    rig.publish_all(bars(5, start=10))

    await recorder.stop()  # no clock advance: stopping cuts the wait short

    assert recorder.flushed_rows == 23
    assert await rig.repos.bars.count() == 15
    assert rig.queue.pending == 0


async def test_other_events_are_ignored_but_consumed(rig: Rig) -> None:
    recorder = rig.recorder()
    await recorder.start()
    quote = Quote(symbol="GOOG", bid=1.0, ask=1.1, ts_event=1, ts_init=1)
    rig.queue.put(quote)  # not a recorded topic; put straight in, as a catch-all queue would
    rig.publish_all([bar(1)])
    await rig.bus.idle()
    assert recorder.flushed_rows == 1
    assert rig.queue.pending == 0
    await recorder.stop()


class _FailInserts:
    """Makes ``INSERT INTO orders`` fail ``times`` times (``-1``: always)."""

    def __init__(self, engine: AsyncEngine, times: int) -> None:
        self.engine = engine
        self.left = times
        event.listen(engine.sync_engine, "before_cursor_execute", self)

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO orders") and self.left != 0:
            self.left -= 1
            raise RuntimeError("disk on fire")

    def remove(self) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self)


async def test_a_failed_batch_is_kept_and_retried_whole(rig: Rig) -> None:
    recorder = rig.recorder()
    await recorder.start()
    failing = _FailInserts(rig.engine, times=1)
    try:
        rig.publish_all(_mixed(50))
        await rig.parked()  # pausing before the retry
        assert recorder.write_failures == 1
        assert await rig.repos.bars.count() == 0  # the batch rolled back as a whole
        assert rig.queue.pending == 58  # not marked done: bus.idle() would not lie

        rig.clock.advance(1.0)
        await rig.bus.idle()
    finally:
        failing.remove()
    assert await rig.repos.bars.count() == 50
    assert len(await rig.repos.orders.list_by_run(RUN)) == 1
    await recorder.stop()


async def test_stop_raises_with_the_events_it_could_not_store(rig: Rig) -> None:
    recorder = rig.recorder()
    await recorder.start()
    await rig.repos.bars.upsert_many(bars(3))  # stored before: must survive the failure
    failing = _FailInserts(rig.engine, times=-1)
    try:
        rig.publish_all([order("o9"), bar(7)])
        await rig.parked()
        with pytest.raises(RecordingFailed, match="2 events") as caught:
            await recorder.stop()
    finally:
        failing.remove()
    assert caught.value.unwritten == [order("o9"), bar(7)]
    assert await rig.repos.bars.count() == 3
    assert rig.queue.pending == 0


async def test_rerun_with_the_same_id_replaces_its_rows(rig: Rig) -> None:
    for _ in range(2):
        await rig.repos.runs.reset(RUN)
        recorder = rig.recorder(batch_size=100)
        await recorder.start()
        rig.publish_all(_mixed(300))
        await recorder.stop()

    assert await rig.repos.bars.count() == 300
    assert len(await rig.repos.system_events.query(RUN)) == 2
    assert len(await rig.repos.fills.list_by_run(RUN)) == 1


async def test_direct_batch_writes(rig: Rig) -> None:
    recorder = rig.recorder()
    await recorder.start()
    assert await recorder.write_bars(bars(10)) == 10
    assert await recorder.write_bars(bars(10)) == 0
    assert await recorder.write_orders([order("a")]) == 1
    assert await recorder.write_fills([fill("x"), fill("y")]) == 2
    assert await recorder.write_positions([position()]) == 1
    assert await recorder.write_system_events([system_event()]) == 1
    assert recorder.flushed_rows == 25
    assert len(await rig.repos.fills.list_by_run(RUN)) == 2
    await recorder.stop()


async def test_a_closed_queue_ends_the_drain_after_writing_what_was_left(rig: Rig) -> None:
    recorder = rig.recorder(flush_interval_s=5.0)
    await recorder.start()
    rig.publish_all(bars(7))
    rig.bus.close_queues()  # the bus shutting down first
    await rig.queue.wait_idle()  # bus.idle() skips closed queues; the queue itself knows
    assert await rig.repos.bars.count() == 7
    await recorder.stop()
    assert rig.queue.pending == 0
