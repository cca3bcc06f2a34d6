"""``/ws``: live events by topic (see ``api.ws`` for the protocol). Needs a ``read`` token, in the
``Authorization`` header or, for browsers that cannot set headers, as ``?token=``.

Every ``api.ws_heartbeat_s`` the server sends ``{"op": "heartbeat", "ts": <ns>}``: proxies that
close idle connections see traffic, and a client that hears nothing for two beats knows to
reconnect. The beat goes through the client's queue, so a client too slow for it is dropped.

Events go out at most every ``api.ws_coalesce_s`` (20 ms by default): what arrived meanwhile goes
out as one frame per client, built once for all the clients with the same subscriptions. Sending a
frame costs far more than queueing an event, so with hundreds of clients this keeps the event loop,
which the engine shares, from drowning in sends.

Clients speak JSON in text frames. A binary frame closes the connection with 1003 (unsupported
data); a message nested deeper than the protocol ever needs, or holding an absurd number, with
1008 (policy violation); one larger than ``api.ws_max_message_bytes`` is refused by the server
with 1009. Each costs one log line, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from freeride.api.deps import authenticate, state_of
from freeride.api.errors import ApiError
from freeride.api.ws import SLOW_CLIENT, Client, Hub
from freeride.core.clock import Clock
from freeride.net import bounded_json
from freeride.ports.tokens import Scope

log = structlog.get_logger(__name__)
router = APIRouter(tags=["live"])
UNSUPPORTED_DATA = 1003
POLICY_VIOLATION = 1008
MAX_DEPTH = 4
"""``{"op": …, "topics": [...]}`` nests two deep; twice that is room enough."""


class Refused(Exception):
    """A frame that ends the connection: ``code`` and ``reason`` go into the close frame."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def hub_of(websocket: WebSocket) -> Hub:
    hub: Hub = websocket.app.state.ws_hub
    return hub


@router.websocket("/ws")
async def live(websocket: WebSocket) -> None:
    state = state_of(websocket)
    try:
        await authenticate(websocket, Scope.READ)
    except ApiError as exc:
        await websocket.close(code=POLICY_VIOLATION, reason=exc.message[:120])
        return
    if state.bus is None:
        await websocket.close(code=1011, reason="no event bus in this process")
        return
    await websocket.accept()
    hub = hub_of(websocket)
    client = hub.client(state.settings.ws_queue_size)
    sender = asyncio.create_task(_send(websocket, client))
    beat = asyncio.create_task(_heartbeat(state.wall or state.clock, state.settings.ws_heartbeat_s, client))
    try:
        while not client.dropped:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            _handle(client, _text_of(message))
    except Refused as exc:
        log.info("ws.refused", code=exc.code, reason=exc.reason)
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):  # the client may be gone already
            await websocket.close(code=exc.code, reason=exc.reason)
    except WebSocketDisconnect:
        pass
    finally:
        hub.release(client)
        sender.cancel()
        beat.cancel()
        await asyncio.gather(sender, beat, return_exceptions=True)


def _text_of(message: Any) -> str:
    text = message.get("text")
    if text is None:
        raise Refused(UNSUPPORTED_DATA, "binary frames are not part of the protocol: send JSON text")
    return str(text)


def _handle(client: Client, text: str) -> None:
    try:
        message: Any = bounded_json.loads(text, max_depth=MAX_DEPTH)
    except bounded_json.TooComplex as exc:
        raise Refused(POLICY_VIOLATION, str(exc)[:120]) from None
    except ValueError:
        message = None
    try:
        op = message["op"]
    except (KeyError, TypeError, IndexError):
        client.push(
            {"op": "error", "message": 'send JSON like {"op": "subscribe", "topics": ["alert.fired.>"]}'}
        )
        return
    if op == "ping":
        client.push({"op": "pong"})
        return
    names: Any = message.get("topics")
    if op not in ("subscribe", "unsubscribe") or not isinstance(names, list) or not names:
        client.push(
            {"op": "error", "message": "op must be subscribe, unsubscribe or ping, with a topics list"}
        )
        return
    try:
        for name in names:
            if op == "subscribe":
                client.subscribe(str(name))
            else:
                client.unsubscribe(str(name))
    except ValueError as exc:
        client.push({"op": "error", "message": str(exc)})
        return
    client.push({"op": "subscribed", "topics": sorted(client.patterns)})


async def _send(websocket: WebSocket, client: Client) -> None:
    try:
        while True:
            await client.ready.wait()
            client.ready.clear()
            if client.dropped:
                await websocket.close(code=SLOW_CLIENT, reason="too slow: events were piling up")
                return
            while client.queue:
                item = client.next_frame()
                if isinstance(item, bytes):
                    await websocket.send_text(item.decode())
                else:
                    await websocket.send_json(item)
    except (WebSocketDisconnect, RuntimeError):
        client.drop()


async def _heartbeat(clock: Clock, every_s: float, client: Client) -> None:
    while not client.dropped:
        await clock.sleep(every_s)
        client.push({"op": "heartbeat", "ts": clock.now_ns()})
