"""``/ws`` heartbeats on the injected clock."""

from __future__ import annotations

from test_api_ws import TOKEN, make

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
