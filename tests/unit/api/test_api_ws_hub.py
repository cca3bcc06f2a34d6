"""The WebSocket hub without sockets: shared subscriptions, one frame per group, slow clients cut off."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from freeride.api.ws import MERGE_LIMIT, Client, Hub
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import ManualClock
from freeride.core.market import Quote


def quote(bus: InMemoryBus, symbol: str, price: float, ts: int = 1) -> None:
    event = Quote(symbol=symbol, bid=price, ask=price + 0.01, ts_event=ts, ts_init=ts)
    bus.publish(topics.quote(symbol), event)


def frames(client: Client) -> list[Any]:
    """Everything queued for ``client``, decoded, as the socket would send it."""
    out: list[Any] = []
    while client.queue:
        item = client.next_frame()
        out.append(json.loads(item) if isinstance(item, bytes) else item)
    return out


def events(frame: Any) -> list[dict[str, Any]]:
    return frame if isinstance(frame, list) else [frame]


def make(coalesce_s: float = 0.0) -> tuple[Hub, InMemoryBus, ManualClock]:
    clock = ManualClock(10**18)
    bus = InMemoryBus(clock)
    return Hub(bus, clock, coalesce_s), bus, clock


async def test_a_pattern_is_one_bus_subscription_however_many_clients_ask() -> None:
    hub, bus, _ = make()
    clients = [hub.client(100) for _ in range(50)]
    for client in clients:
        client.subscribe(topics.quote("GOOG"))
        client.subscribe(topics.quote("AAPL"))
    assert len(bus._subs) == 2  # not 100
    quote(bus, "GOOG", 10.0)
    hub.flush()
    first = clients[0].queue[0]
    assert isinstance(first, tuple)
    assert all(c.queue[0][0] is first[0] for c in clients)  # type: ignore[index]  # the same bytes for the whole group: built once
    for client in clients:
        hub.release(client)
    assert not bus._subs
    assert not hub.channels


async def test_events_gathered_in_a_window_go_out_as_one_frame_per_client() -> None:
    hub, bus, _ = make()
    both, goog_only = hub.client(100), hub.client(100)
    both.subscribe(topics.quote("GOOG"))
    both.subscribe(topics.quote("AAPL"))
    goog_only.subscribe(topics.quote("GOOG"))
    for i in range(3):
        quote(bus, "GOOG", 10.0 + i)
        quote(bus, "AAPL", 20.0 + i)
    hub.flush()
    [frame] = frames(both)
    by_symbol: dict[str, list[float]] = {}
    for message in events(frame):
        assert message["op"] == "event"
        assert message["type"] == "Quote"
        by_symbol.setdefault(message["data"]["symbol"], []).append(message["data"]["bid"])
    assert by_symbol == {"GOOG": [10.0, 11.0, 12.0], "AAPL": [20.0, 21.0, 22.0]}  # order kept per topic
    [only] = frames(goog_only)
    assert [m["data"]["symbol"] for m in events(only)] == ["GOOG"] * 3
    quote(bus, "AAPL", 30.0)
    hub.flush()
    assert frames(goog_only) == []
    [single] = frames(both)
    assert single["subscription"] == "data.quote.AAPL"  # one event: a bare object, not an array


async def test_a_client_that_falls_behind_is_dropped_and_the_others_keep_theirs() -> None:
    hub, bus, _ = make()
    slow, fast = hub.client(5), hub.client(100)
    for client in (slow, fast):
        client.subscribe(topics.ALL_QUOTES)
    seen: list[Quote] = []
    bus.subscribe(topics.ALL_QUOTES, seen.append)
    for i in range(3):
        quote(bus, "GOOG", 10.0 + i)
    hub.flush()
    assert slow.queued_events == 3
    assert not slow.dropped
    for i in range(3):
        quote(bus, "GOOG", 20.0 + i)
    hub.flush()
    assert slow.dropped
    assert not slow.patterns
    assert fast.queued_events == 6
    assert len(seen) == 6
    assert len(events(frames(fast)[0])) == 6  # a backlog goes out merged
    hub.release(slow)
    assert hub.dropped == 1


async def test_a_backlog_is_merged_up_to_the_limit() -> None:
    hub, bus, _ = make()
    client = hub.client(10 * MERGE_LIMIT)
    client.subscribe(topics.ALL_QUOTES)
    for _ in range(3):
        for i in range(MERGE_LIMIT // 2 + 1):
            quote(bus, "GOOG", float(i))
        hub.flush()
    sizes = [len(events(f)) for f in frames(client)]
    assert sizes == [MERGE_LIMIT // 2 + 1] * 3  # two windows together would pass the limit
    assert client.queued_events == 0


async def test_resubscribing_moves_a_client_between_groups_and_frees_unused_channels() -> None:
    hub, bus, _ = make()
    client = hub.client(100)
    client.subscribe(topics.quote("GOOG"))
    client.subscribe(topics.quote("AAPL"))
    client.unsubscribe(topics.quote("GOOG"))
    assert set(hub.channels) == {"data.quote.AAPL"}
    assert len(bus._subs) == 1
    quote(bus, "GOOG", 1.0)
    quote(bus, "AAPL", 2.0)
    hub.flush()
    assert [m["data"]["symbol"] for f in frames(client) for m in events(f)] == ["AAPL"]
    with pytest.raises(ValueError, match="pattern"):
        client.subscribe("a.>.b")


async def test_the_flusher_waits_for_the_window_on_the_clock() -> None:
    hub, bus, clock = make(coalesce_s=0.02)
    client = hub.client(100)
    client.subscribe(topics.ALL_QUOTES)
    quote(bus, "GOOG", 1.0)
    for _ in range(3):
        await asyncio.sleep(0)
    assert not client.queue
    assert clock.sleepers == 1
    quote(bus, "GOOG", 2.0)
    clock.advance(0.02)
    for _ in range(3):
        await asyncio.sleep(0)
    [frame] = frames(client)
    assert [m["data"]["bid"] for m in events(frame)] == [1.0, 2.0]
    hub.release(client)
    assert clock.sleepers == 0
    assert not hub.clients


async def test_a_hub_without_a_bus_refuses_subscriptions() -> None:
    hub = Hub()
    client = hub.client(10)
    with pytest.raises(ValueError, match="no event bus"):
        client.subscribe(topics.ALL_QUOTES)
    hub.release(client)


async def test_changing_subscriptions_keeps_what_the_kept_ones_gathered() -> None:
    hub, bus, _ = make()
    client = hub.client(100)
    client.subscribe(topics.quote("GOOG"))
    subscriptions_before = len(bus._subs)
    quote(bus, "GOOG", 1.0)  # gathered in this window
    client.subscribe(topics.quote("AAPL"))  # a symbol added before the flush
    client.subscribe(topics.quote("MSFT"))
    client.unsubscribe(topics.quote("MSFT"))
    assert len(bus._subs) == subscriptions_before + 1  # GOOG's subscription was never dropped
    hub.flush()
    assert [m["data"]["symbol"] for f in frames(client) for m in events(f)] == ["GOOG"]


async def test_frames_are_handed_out_in_slices_and_not_to_who_left_the_group() -> None:
    hub, bus, _ = make()
    clients = [hub.client(100) for _ in range(40)]
    for client in clients:
        client.subscribe(topics.quote("GOOG"))
    quote(bus, "GOOG", 1.0)
    await asyncio.sleep(0)  # the flusher wakes and yields once
    await asyncio.sleep(0)  # the first slice is handed out
    handed = [c for c in clients if c.queue]
    assert 0 < len(handed) < len(clients)  # the loop got a turn before all 40 were served
    late = next(c for c in clients if not c.queue)
    late.unsubscribe(topics.quote("GOOG"))
    late.subscribe(topics.quote("AAPL"))
    for _ in range(5):
        await asyncio.sleep(0)
    assert all(c.queue for c in clients if c is not late)
    assert frames(late) == []  # a GOOG event after it left GOOG would contradict its subscription
    for client in clients:
        hub.release(client)
    assert not bus._subs
    assert not hub.channels


async def test_a_flusher_that_dies_is_logged_and_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    hub, bus, _ = make()
    first = hub.client(100)
    first.subscribe(topics.ALL_QUOTES)

    def broken() -> list[Any]:
        raise RuntimeError("boom")

    monkeypatch.setattr(hub, "collect", broken)
    quote(bus, "GOOG", 1.0)
    for _ in range(3):
        await asyncio.sleep(0)
    assert hub._flusher is None  # it died, and said so; the next client starts a new one
    monkeypatch.undo()
    second = hub.client(100)
    second.subscribe(topics.ALL_QUOTES)
    quote(bus, "GOOG", 2.0)
    for _ in range(3):
        await asyncio.sleep(0)
    assert [m["data"]["bid"] for f in frames(second) for m in events(f)] == [1.0, 2.0]
