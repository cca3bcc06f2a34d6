"""``/ws`` heartbeats on the injected clock, batched frames, and one encoding per event and pattern."""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from test_api_ws import TOKEN, make

from freeride.api.ws import BATCH, Hub, next_frame
from freeride.bus import topics
from freeride.core.clock import ManualClock


def _advance(clock: ManualClock, seconds: float) -> None:
    clock.advance(seconds)


def test_the_server_beats_every_interval_on_the_clock() -> None:
    client, _bus, _engine, clock = make()
    with client, client.websocket_connect(f"/ws?token={TOKEN}") as ws:
        ws.send_json({"op": "subscribe", "topics": [topics.ALL_ALERTS]})
        assert ws.receive_json()["op"] == "subscribed"  # the beat task is parked on the clock by now
        assert clock.sleepers == 1
        client.portal.call(_advance, clock, 19.9)
        ws.send_json({"op": "ping"})
        assert ws.receive_json() == {"op": "pong"}  # nothing came before it: no beat yet
        client.portal.call(_advance, clock, 0.1)
        assert ws.receive_json() == {"op": "heartbeat", "ts": clock.now_ns()}
        client.portal.call(_advance, clock, 20)
        assert ws.receive_json() == {"op": "heartbeat", "ts": clock.now_ns()}
    assert clock.sleepers == 0  # the beat stopped with the connection


def test_waiting_events_go_out_as_one_array_frame_and_control_messages_alone() -> None:
    queue: deque[bytes | dict[str, Any]] = deque(
        [b'{"n":1}', b'{"n":2}', {"op": "pong"}, b'{"n":3}', *(b'{"n":0}' for _ in range(BATCH + 5))]
    )
    assert json.loads(next_frame(queue)) == [{"n": 1}, {"n": 2}]  # type: ignore[arg-type]
    assert next_frame(queue) == {"op": "pong"}
    assert len(json.loads(next_frame(queue))) == BATCH  # type: ignore[arg-type]
    assert len(json.loads(next_frame(queue))) == 6  # type: ignore[arg-type]
    assert not queue


def test_an_event_is_encoded_once_for_every_client_of_a_pattern() -> None:
    hub = Hub()
    event = {"symbol": "GOOG"}
    first = hub.encode("data.quote.GOOG", event)
    assert hub.encode("data.quote.GOOG", event) is first
    assert hub.encode("data.quote.>", event) is not first
    assert json.loads(first) == {
        "op": "event",
        "subscription": "data.quote.GOOG",
        "type": "dict",
        "data": event,
    }
