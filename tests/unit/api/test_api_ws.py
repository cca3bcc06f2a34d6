"""``/ws`` with Starlette's TestClient: token, subscriptions, live alerts, slow clients dropped."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

with warnings.catch_warnings():  # starlette asks for httpx2, which is not needed here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from freeride.alerts.engine import AlertEngine
from freeride.api import create_app
from freeride.api.ws import SLOW_CLIENT
from freeride.app.api import ApiState, TokenAuth, hash_token
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.api import ApiSettings
from freeride.core.alerts import AlertKind, AlertRule
from freeride.core.clock import ManualClock
from freeride.core.market import Trade
from freeride.ports.tokens import ApiToken, Scope

TOKEN = "fr_ws-test-token-0000000000000000000000000"


class MemoryTokens:
    """The token port in memory: these tests run the app on TestClient's own event loop."""

    def __init__(self) -> None:
        self.tokens = {
            hash_token(TOKEN): ApiToken(id=1, name="ws", scope=Scope.READ, prefix=TOKEN[:8], created_at=0)
        }

    async def by_hash(self, secret_hash: str) -> ApiToken | None:
        return self.tokens.get(secret_hash)


def make(queue_size: int = 1_000) -> tuple[TestClient, InMemoryBus, AlertEngine, ManualClock]:
    clock = ManualClock(10**18)
    bus = InMemoryBus(clock)
    engine = AlertEngine(bus, clock)
    state = ApiState(
        settings=ApiSettings(ws_queue_size=queue_size, ws_coalesce_s=0),  # ManualClock: no gathering
        clock=clock,
        tokens=TokenAuth(MemoryTokens(), clock),  # type: ignore[arg-type]
        bus=bus,
    )
    return TestClient(create_app(state)), bus, engine, clock


def trade(bus: InMemoryBus, clock: ManualClock, price: float) -> None:
    ts = clock.now_ns()
    bus.publish(topics.trade("AAPL"), Trade(symbol="AAPL", price=price, size=1, ts_event=ts, ts_init=ts))


def test_without_a_valid_token_the_socket_is_refused() -> None:
    client, *_ = make()
    with client, pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws"):
        pass
    assert info.value.code == 1008
    with client, pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws?token=fr_wrong"):
        pass


def test_fired_alerts_stream_to_subscribers() -> None:
    client, bus, engine, clock = make()
    engine.upsert(AlertRule(id="a1", symbol="AAPL", kind=AlertKind.ABOVE, threshold=200))
    with client, client.websocket_connect("/ws", headers={"Authorization": f"Bearer {TOKEN}"}) as ws:
        engine_started = client.portal.call(engine.start)
        assert engine_started is None
        ws.send_json({"op": "subscribe", "topics": [topics.ALL_ALERTS]})
        assert ws.receive_json() == {"op": "subscribed", "topics": ["alert.fired.>"]}
        client.portal.call(trade, bus, clock, 201.0)
        message = ws.receive_json()
        assert (message["op"], message["type"], message["subscription"]) == (
            "event",
            "AlertFired",
            "alert.fired.>",
        )
        assert (message["data"]["alert_id"], message["data"]["price"]) == ("a1", 201.0)
        ws.send_json({"op": "ping"})
        assert ws.receive_json() == {"op": "pong"}
        ws.send_json({"op": "subscribe", "topics": ["a.>.b"]})
        assert ws.receive_json()["op"] == "error"
        ws.send_text("not json")
        assert "subscribe" in ws.receive_json()["message"]


def _drain(ws: Any, into: list[Any]) -> None:
    while True:
        into.append(ws.receive_json())


def test_a_slow_client_is_dropped_and_the_engine_goes_on() -> None:
    client, bus, _engine, clock = make(queue_size=5)
    with client, client.websocket_connect(f"/ws?token={TOKEN}") as ws:
        ws.send_json({"op": "subscribe", "topics": [topics.ALL_TRADES]})
        ws.receive_json()

        def flood() -> None:  # 50 events in one go, without yielding: the client cannot keep up
            for i in range(50):
                trade(bus, clock, 100.0 + i)

        seen: list[Trade] = []
        bus.subscribe(topics.ALL_TRADES, seen.append)
        client.portal.call(flood)
        received: list[Any] = []
        with pytest.raises(WebSocketDisconnect) as info:
            _drain(ws, received)
        assert info.value.code == SLOW_CLIENT
        assert len(received) <= 5
        assert len(seen) == 50  # every publish went on to the other subscribers
    hub = client.app.state.ws_hub  # type: ignore[attr-defined]
    assert hub.dropped == 1
    assert not hub.clients
