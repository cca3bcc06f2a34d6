"""The ``QuoteStream`` contract: Finnhub, Massive and the simulator push the same kind of events.

What the gateway's stream fan-in relies on: subscribed symbols come out as core ``Trade`` /
``Quote`` events under our symbol, never another symbol's, with positive prices and times in
nanoseconds; unsubscribing stops a symbol; a dropped line ends ``events()`` with a
``TemporaryError`` and a new ``events()`` subscribes everything again; a refused key is an
``AuthError``, not something to retry; ``aclose`` ends the stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from stream_subjects import FACTORIES, NOW, StreamSubject

from freeride.core.clock import ManualClock
from freeride.core.errors import AuthError, TemporaryError
from freeride.core.instruments import parse_instrument
from freeride.core.market import Quote, Trade
from freeride.testing.fakes.waiting import until

AAPL = parse_instrument("AAPL")
MSFT = parse_instrument("MSFT")


@pytest.fixture(params=list(FACTORIES))
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[StreamSubject]:
    async with FACTORIES[request.param](ManualClock(NOW)) as made:
        yield made
        await made.stream.aclose()


@pytest.fixture(params=[name for name in FACTORIES if name != "simulator"])
async def wired(request: pytest.FixtureRequest) -> AsyncIterator[StreamSubject]:
    async with FACTORIES[request.param](ManualClock(NOW)) as made:
        yield made
        await made.stream.aclose()


async def next_event(events: AsyncIterator[object]) -> object:
    return await asyncio.wait_for(anext(events), 5)


async def test_subscribed_symbols_come_out_as_core_events_under_our_symbol(subject: StreamSubject) -> None:
    await subject.stream.subscribe([AAPL])
    events = subject.stream.events()
    first = asyncio.ensure_future(next_event(events))
    await subject.emit("AAPL", 190.5)
    event = await first
    assert isinstance(event, Trade | Quote)
    assert event.symbol == "AAPL"
    assert isinstance(event.ts_event, int)
    assert event.ts_event > 10**18  # nanoseconds, not milliseconds
    price = event.price if isinstance(event, Trade) else event.bid
    assert price > 0
    await events.aclose()  # type: ignore[attr-defined]


async def test_no_event_of_a_symbol_comes_out_once_it_is_unsubscribed(subject: StreamSubject) -> None:
    await subject.stream.subscribe([AAPL, MSFT])
    events = subject.stream.events()
    first = asyncio.ensure_future(next_event(events))
    await subject.emit("AAPL", 190.0)
    assert (await first).symbol == "AAPL"  # type: ignore[attr-defined]
    await subject.stream.unsubscribe([MSFT])
    if subject.subscribed is not None:  # the far end is told
        await until(lambda: not subject.subscribed("MSFT"))  # type: ignore[misc]
    seen = []
    for price in (191.0, 192.0):
        later = asyncio.ensure_future(next_event(events))
        await subject.emit("AAPL", price)
        seen.append(await later)
    assert [e.symbol for e in seen] == ["AAPL", "AAPL"]  # type: ignore[attr-defined]
    await events.aclose()  # type: ignore[attr-defined]


async def test_a_dropped_line_ends_events_and_a_new_one_subscribes_again(wired: StreamSubject) -> None:
    assert wired.drop is not None
    await wired.stream.subscribe([AAPL])
    events = wired.stream.events()
    first = asyncio.ensure_future(next_event(events))
    await wired.emit("AAPL", 190.5)
    await first
    wired.drop()
    with pytest.raises(TemporaryError):
        await next_event(events)
    again = wired.stream.events()
    second = asyncio.ensure_future(next_event(again))
    await wired.emit("AAPL", 190.7)  # only reaches a line that subscribed AAPL again
    event = await second
    assert event.symbol == "AAPL"  # type: ignore[attr-defined]
    await again.aclose()  # type: ignore[attr-defined]


async def test_a_refused_key_is_an_auth_error(wired: StreamSubject) -> None:
    assert wired.with_key is not None
    refused = wired.with_key("not-the-key")
    await refused.subscribe([AAPL])
    with pytest.raises(AuthError):
        await next_event(refused.events())
    await refused.aclose()
