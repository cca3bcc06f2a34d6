"""A broadcast hub for fake WebSocket servers: connections, subscriptions, scripted frames.

Tests push frames (``send``), wait until the client has subscribed (``wait_subscribed``) and drop
every connection (``drop``) to exercise reconnect-and-resubscribe, without any sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable

from starlette.websockets import WebSocket, WebSocketDisconnect

_DROP = object()


class Connection:
    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.symbols: set[str] = set()
        self.outbox: asyncio.Queue[object] = asyncio.Queue()


class SocketHub:
    def __init__(self) -> None:
        self.connections: list[Connection] = []
        self.connects = 0
        self.received: list[str] = []
        self._changed = asyncio.Event()

    def _touch(self) -> None:
        self._changed.set()

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        while not predicate():
            self._changed.clear()
            await self._changed.wait()

    async def wait_subscribed(self, symbol: str, connects: int = 1) -> None:
        """Until a connection (the ``connects``-th or later) is subscribed to ``symbol``."""
        await self.wait_for(
            lambda: self.connects >= connects and any(symbol in c.symbols for c in self.connections)
        )

    def send(self, text: str, symbol: str | None = None) -> None:
        """Queue a frame for every connection (or those subscribed to ``symbol``)."""
        for conn in self.connections:
            if symbol is None or symbol in conn.symbols:
                conn.outbox.put_nowait(text)

    def send_many(self, frames: Iterable[str]) -> None:
        for text in frames:
            self.send(text)

    def drop(self) -> None:
        """Close every connection from the server side, as a vendor restart would."""
        for conn in self.connections:
            conn.outbox.put_nowait(_DROP)

    async def run(self, ws: WebSocket, on_message: Callable[[Connection, str], Awaitable[None]]) -> None:
        """Serve one accepted socket: read client messages, write queued frames, until closed."""
        conn = Connection(ws)
        self.connections.append(conn)
        self.connects += 1
        self._touch()

        async def reader() -> None:
            try:
                while True:
                    text = await ws.receive_text()
                    self.received.append(text)
                    await on_message(conn, text)
                    self._touch()
            except (WebSocketDisconnect, RuntimeError):
                conn.outbox.put_nowait(_DROP)

        task = asyncio.create_task(reader())
        try:
            while True:
                item = await conn.outbox.get()
                if item is _DROP:
                    break
                await ws.send_text(str(item))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            task.cancel()
            self.connections.remove(conn)
            self._touch()
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await ws.close(code=1011)
