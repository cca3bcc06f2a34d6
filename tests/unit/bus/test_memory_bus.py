"""The in-memory bus: routing, ordering, isolation and back-pressure."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.bus.queues import EventQueue, Overflow, QueueClosed
from freeride.core.clock import ManualClock
from freeride.core.system import SystemEvent


@pytest.fixture
def bus() -> InMemoryBus:
    return InMemoryBus(ManualClock(1_000))


def test_exact_and_wildcard_routing(bus: InMemoryBus) -> None:
    exact: list[Any] = []
    one: list[Any] = []
    rest: list[Any] = []
    bus.subscribe("data.bar.GOOG.1d", exact.append)
    bus.subscribe("data.bar.*.1d", one.append)
    bus.subscribe("data.>", rest.append)
    bus.publish(topics.bar("GOOG", "1d"), "g")
    bus.publish(topics.bar("EUR/USD", "1h"), "e")
    bus.publish(topics.quote("GOOG"), "q")
    bus.publish(topics.fill("GOOG"), "f")
    assert exact == ["g"]
    assert one == ["g"]
    assert rest == ["g", "e", "q"]


def test_symbols_with_dots_do_not_split_topics(bus: InMemoryBus) -> None:
    got: list[Any] = []
    bus.subscribe(topics.bars_of("BRK.B"), got.append)
    bus.publish(topics.bar("BRK.B", "1d"), 1)
    assert got == [1]


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [
        ("a.b.c", "a.b.c", True),
        ("a.*.c", "a.b.c", True),
        ("a.*", "a.b.c", False),
        ("a.>", "a.b.c", True),
        ("a.>", "a", False),
        (">", "a", True),
        ("a.b.c", "a.b", False),
        ("a.b", "a.b.c", False),
    ],
)
def test_matches(pattern: str, topic: str, expected: bool) -> None:
    assert topics.matches(pattern, topic) is expected


@pytest.mark.parametrize("pattern", ["a..b", "a.>.b", ""])
def test_bad_patterns_are_rejected(bus: InMemoryBus, pattern: str) -> None:
    with pytest.raises(ValueError, match="pattern"):
        bus.subscribe(pattern, print)


def test_routes_are_resolved_once_per_topic(bus: InMemoryBus, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = topics.matches

    def counting(pattern: str, topic: str) -> bool:
        calls.append(topic)
        return real(pattern, topic)

    monkeypatch.setattr(topics, "matches", counting)
    bus.subscribe("data.>", lambda e: None)
    for _ in range(100):
        bus.publish("data.bar.X.1d", 1)
    assert len(calls) == 1
    bus.subscribe("data.bar.>", lambda e: None)  # a new subscription invalidates the cached route
    bus.publish("data.bar.X.1d", 1)
    assert len(calls) == 3


def test_priority_then_subscription_order(bus: InMemoryBus) -> None:
    order: list[str] = []
    bus.subscribe("t", lambda e: order.append("b"))
    bus.subscribe("t", lambda e: order.append("c"))
    bus.subscribe("t", lambda e: order.append("a"), priority=-1)
    bus.publish("t", None)
    assert order == ["a", "b", "c"]


def test_events_published_inside_handlers_keep_global_order(bus: InMemoryBus) -> None:
    seen: list[tuple[str, str]] = []

    def first(e: str) -> None:
        seen.append(("first", e))
        if e == "e1":
            bus.publish("t", "e2")

    bus.subscribe("t", first)
    bus.subscribe("t", lambda e: seen.append(("second", e)))
    bus.publish("t", "e1")
    # every subscriber sees e1 before e2, although e2 was published while e1 was being delivered
    assert seen == [("first", "e1"), ("second", "e1"), ("first", "e2"), ("second", "e2")]


def test_failing_handler_is_isolated_and_reported(bus: InMemoryBus) -> None:
    got: list[int] = []
    errors: list[SystemEvent] = []

    def broken(e: int) -> None:
        raise RuntimeError("boom")

    bus.subscribe("t", broken)
    bus.subscribe("t", got.append)
    bus.subscribe(topics.ALL_SYSTEM, errors.append)
    bus.publish("t", 1)
    bus.publish("t", 2)
    assert got == [1, 2]
    assert bus.handler_failures == 2
    assert [e.kind for e in errors] == ["handler_failed", "handler_failed"]
    assert "boom" in errors[0].message
    assert errors[0].data["topic"] == "t"


def test_a_failing_system_event_handler_does_not_loop(bus: InMemoryBus) -> None:
    def broken(e: object) -> None:
        raise RuntimeError("also broken")

    bus.subscribe(">", broken)
    bus.publish("t", 1)  # the failure report fails too: logged, not re-reported forever
    assert bus.handler_failures == 2


def test_unsubscribe(bus: InMemoryBus) -> None:
    got: list[int] = []
    sub = bus.subscribe("t", got.append)
    bus.publish("t", 1)
    sub.cancel()
    bus.publish("t", 2)
    assert got == [1]


def test_publish_without_subscribers_is_a_no_op(bus: InMemoryBus) -> None:
    bus.publish("nobody.listens", 1)
    assert bus.published == 0


async def test_queue_drop_oldest_keeps_the_newest_and_reports(bus: InMemoryBus) -> None:
    warnings: list[SystemEvent] = []
    bus.subscribe(topics.ALL_SYSTEM, warnings.append)
    q = bus.subscribe_queue("t", name="slow", maxsize=3, overflow=Overflow.DROP_OLDEST)
    for i in range(5):
        bus.publish("t", i)
    assert await q.get_batch(10) == [2, 3, 4]
    assert q.dropped == 2
    assert [w.kind for w in warnings] == ["queue_overflow"]
    assert "slow" in warnings[0].message


async def test_queue_drop_newest_keeps_the_prefix(bus: InMemoryBus) -> None:
    q = bus.subscribe_queue("t", name="prefix", maxsize=2, overflow=Overflow.DROP_NEWEST)
    for i in range(4):
        bus.publish("t", i)
    assert await q.get_batch(10) == [0, 1]
    assert q.dropped == 2


async def test_pause_source_is_lossless_and_signals_pressure(bus: InMemoryBus) -> None:
    q = bus.subscribe_queue("t", name="storage", maxsize=4, overflow=Overflow.PAUSE_SOURCE)
    for i in range(6):
        bus.publish("t", i)  # never blocks the publisher
    assert len(q) == 6
    assert q.dropped == 0
    ready = asyncio.ensure_future(bus.ready())
    await asyncio.sleep(0)
    assert not ready.done()  # the source must wait
    batch = await q.get_batch(4)  # below half the bound again
    assert batch == [0, 1, 2, 3]
    await asyncio.wait_for(ready, 1)
    q.done(4)
    assert await q.get_batch(10) == [4, 5]


async def test_slow_consumer_never_stalls_the_hot_path(bus: InMemoryBus) -> None:
    hot: list[int] = []
    bus.subscribe("t", hot.append)
    bus.subscribe_queue("t", name="stuck", maxsize=10, overflow=Overflow.DROP_OLDEST)  # never drained
    for i in range(10_000):
        bus.publish("t", i)
    assert len(hot) == 10_000


async def test_idle_waits_until_consumers_have_handled_everything(bus: InMemoryBus) -> None:
    q = bus.subscribe_queue("t", name="io", maxsize=100, overflow=Overflow.PAUSE_SOURCE)
    handled: list[int] = []

    async def consumer() -> None:
        while True:
            batch = await q.get_batch(2)
            if not batch:
                return
            await asyncio.sleep(0)
            handled.extend(batch)
            q.done(len(batch))

    task = asyncio.create_task(consumer())
    for i in range(7):
        bus.publish("t", i)
    await asyncio.wait_for(bus.idle(), 1)
    assert handled == list(range(7))
    q.close()
    await task


async def test_closed_queue_drains_then_ends() -> None:
    q = EventQueue("x", 10, Overflow.DROP_OLDEST)
    q.put(1)
    q.close()
    q.put(2)  # ignored after close
    assert await q.get() == 1
    q.done()
    with pytest.raises(QueueClosed):
        await q.get()


def test_done_more_than_taken_is_a_bug() -> None:
    q = EventQueue("x", 10, Overflow.DROP_OLDEST)
    with pytest.raises(ValueError, match="done"):
        q.done()


def test_queue_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="maxsize"):
        EventQueue("x", 0, Overflow.DROP_OLDEST)
