"""One contract for every bus: what a component may count on, in one process or across several.

Each test subscribes, opens the bus, publishes and then waits for ``settled`` (at once on the
in-memory bus; on Redis, until this process's events have come back and been handled).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from bus_subjects import BUSES

from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.bus.queues import Overflow
from freeride.core.market import Bar, Quote
from freeride.core.orders import Direction, Signal
from freeride.core.system import Level, SystemEvent


@pytest.fixture(params=list(BUSES))
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[InMemoryBus]:
    async with BUSES[request.param]() as made:
        yield made


def bar(symbol: str, ts: int, close: float = 1.0) -> Bar:
    return Bar(symbol=symbol, interval="1m", open=close, high=close, low=close, close=close, volume=1.0,
               ts_event=ts, ts_init=ts)  # fmt: skip


def quote(symbol: str, ts: int) -> Quote:
    return Quote(symbol=symbol, bid=1.0, ask=1.1, ts_event=ts, ts_init=ts)


async def test_routing_by_exact_topic_and_wildcards(bus: InMemoryBus) -> None:
    exact: list[Any] = []
    one: list[Any] = []
    rest: list[Any] = []
    bus.subscribe(topics.bar("GOOG", "1m"), exact.append)
    bus.subscribe("data.bar.*.1m", one.append)
    bus.subscribe("data.>", rest.append)
    await bus.open()
    g, e, q = bar("GOOG", 1), bar("EUR/USD", 2), quote("GOOG", 3)
    bus.publish(topics.bar("GOOG", "1m"), g)
    bus.publish(topics.bar("EUR/USD", "1m"), e)
    bus.publish(topics.quote("GOOG"), q)
    await bus.settled()
    assert exact == [g]
    assert sorted(one, key=lambda b: b.ts_event) == [g, e]
    assert sorted(rest, key=lambda b: b.ts_event) == [g, e, q]


async def test_one_symbols_events_arrive_in_publish_order(bus: InMemoryBus) -> None:
    got: dict[str, list[int]] = {"AAPL": [], "MSFT": [], "BRK.B": []}
    bus.subscribe(topics.ALL_BARS, lambda b: got[b.symbol].append(b.ts_event))
    await bus.open()
    for ts in range(300):
        for symbol in got:
            bus.publish(topics.bar(symbol, "1m"), bar(symbol, ts))
    await bus.settled()
    assert got == {s: list(range(300)) for s in got}


async def test_an_event_published_by_a_handler_continues_the_chain(bus: InMemoryBus) -> None:
    chains: list[tuple[str, str | None]] = []

    def strategy(b: Bar) -> None:
        chains.append(("bar", bus.correlation_id))  # type: ignore[attr-defined]
        ts = b.ts_event
        signal = Signal(
            signal_id=f"s{ts}",
            strategy="sma",
            symbol=b.symbol,
            direction=Direction.LONG,
            ts_event=ts,
            ts_init=ts,
        )
        bus.publish(topics.signal("sma"), signal)

    bus.subscribe(topics.ALL_BARS, strategy)
    bus.subscribe(topics.ALL_SIGNALS, lambda s: chains.append(("signal", bus.correlation_id)))  # type: ignore[attr-defined]
    await bus.open()
    bus.publish(topics.bar("AAPL", "1m"), bar("AAPL", 7))
    await bus.settled()
    assert [kind for kind, _ in chains] == ["bar", "signal"]
    assert chains[0][1] is not None
    assert chains[0][1] == chains[1][1]


async def test_a_failing_handler_neither_starves_the_others_nor_goes_unreported(bus: InMemoryBus) -> None:
    got: list[Bar] = []
    reports: list[SystemEvent] = []

    def broken(_: Bar) -> None:
        raise RuntimeError("boom")

    bus.subscribe(topics.ALL_BARS, broken)
    bus.subscribe(topics.ALL_BARS, got.append)
    bus.subscribe(topics.system(Level.ERROR, "bus"), reports.append)
    await bus.open()
    b = bar("AAPL", 1)
    bus.publish(topics.bar("AAPL", "1m"), b)
    await bus.settled()
    await bus.settled()  # the report was published while the bar was handled
    assert got == [b]
    assert [r.kind for r in reports] == ["handler_failed"]
    assert "boom" in reports[0].message


async def test_a_lossless_inbox_receives_everything_in_order(bus: InMemoryBus) -> None:
    inbox = bus.subscribe_queue(topics.ALL_QUOTES, name="store", maxsize=50, overflow=Overflow.PAUSE_SOURCE)
    taken: list[int] = []

    async def consume() -> None:
        while len(taken) < 200:
            batch = await inbox.get_batch(40)
            taken.extend(q.ts_event for q in batch)
            inbox.done(len(batch))

    consumer = asyncio.create_task(consume())
    await bus.open()
    for ts in range(200):
        bus.publish(topics.quote("EUR/USD"), quote("EUR/USD", ts))
        if ts % 40 == 39:
            await bus.ready()
    await bus.settled()
    await asyncio.wait_for(consumer, timeout=10)
    assert taken == list(range(200))
    assert inbox.dropped == 0


async def test_a_cancelled_subscription_hears_nothing_more(bus: InMemoryBus) -> None:
    got: list[Bar] = []
    kept: list[Bar] = []
    sub = bus.subscribe(topics.ALL_BARS, got.append)
    bus.subscribe(topics.ALL_BARS, kept.append)
    await bus.open()
    bus.publish(topics.bar("AAPL", "1m"), bar("AAPL", 1))
    await bus.settled()
    sub.cancel()
    bus.publish(topics.bar("AAPL", "1m"), bar("AAPL", 2))
    await bus.settled()
    assert [b.ts_event for b in got] == [1]
    assert [b.ts_event for b in kept] == [1, 2]


async def test_events_nobody_here_listens_to_cost_nothing_and_break_nothing(bus: InMemoryBus) -> None:
    got: list[Bar] = []
    bus.subscribe(topics.bar("AAPL", "1m"), got.append)
    await bus.open()
    bus.publish(topics.quote("MSFT"), quote("MSFT", 1))
    bus.publish(topics.bar("AAPL", "1m"), bar("AAPL", 2))
    await bus.settled()
    assert [b.ts_event for b in got] == [2]
