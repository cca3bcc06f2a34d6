"""A deadline for each request to arrive, and a cap on connections still sending one.

uvicorn bounds the time between requests on a kept-alive connection (``timeout_keep_alive``), but
not the time a request takes to arrive: a client that connects and sends nothing, or sends half
its headers, or a ``Content-Length`` and then a byte a minute, holds a connection, a file
descriptor and (once the headers are in) a handler task for as long as it likes. A few hundred of
those (the "slowloris" attack) exhaust a server that shares its process with a trading engine.

``SlowClientGuard`` gives every request ``timeout_s`` from the moment the connection opens (or
the next request on it begins) until its last body byte is in. Connections still inside that
window are "pending"; at most ``max_pending`` are, and one more is refused at once with 503. One
task sweeps the pending connections on the injected clock and closes the late ones: 408 when their
headers never finished; when the body never finished the handler's ``receive()`` reports a
disconnect, which Starlette turns into ``ClientDisconnect`` (logged in one line by the API). Each
sweep logs one line for what it closed and refused since the last, so an attack cannot turn into
a log flood. Why at the protocol and not in an ASGI middleware: an ASGI app is only called once
the headers are complete, so it cannot see the connections that matter most.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from freeride.core.clock import NS_PER_SECOND, Clock

log = structlog.get_logger(__name__)

TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
TOO_MANY = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 38\r\n"
    b"connection: close\r\nretry-after: 5\r\n\r\ntoo many connections sending a request"
)


class SlowClientGuard:
    """The pending connections of one server, oldest first, each with its deadline (clock ns)."""

    def __init__(self, clock: Clock, timeout_s: float, max_pending: int) -> None:
        self._clock = clock
        self.timeout_ns = round(timeout_s * NS_PER_SECOND)
        self.max_pending = max_pending
        self.pending: dict[GuardedConnection, int] = {}
        self.timed_out = 0
        self.refused = 0
        self._reported = (0, 0)

    def admit(self, conn: GuardedConnection) -> bool:
        if len(self.pending) >= self.max_pending:
            self.refused += 1
            return False
        self.arm(conn)
        return True

    def arm(self, conn: GuardedConnection) -> None:
        """Start the request window of ``conn`` (kept if already running)."""
        if conn not in self.pending:
            self.pending[conn] = self._clock.now_ns() + self.timeout_ns

    def disarm(self, conn: GuardedConnection) -> None:
        self.pending.pop(conn, None)

    def sweep(self) -> int:
        """Close every pending connection past its deadline; returns how many."""
        now = self._clock.now_ns()
        late: list[GuardedConnection] = []
        for conn, deadline in self.pending.items():  # insertion order is deadline order
            if deadline > now:
                break
            late.append(conn)
        for conn in late:
            del self.pending[conn]
            conn.expire()
        self.timed_out += len(late)
        self._report()
        return len(late)

    def _report(self) -> None:
        if (self.timed_out, self.refused) == self._reported:
            return
        closed, refused = self.timed_out - self._reported[0], self.refused - self._reported[1]
        self._reported = (self.timed_out, self.refused)
        log.warning(
            "http.slow_clients",
            closed=closed,
            refused=refused,
            pending=len(self.pending),
            timeout_s=self.timeout_ns / NS_PER_SECOND,
        )

    async def run(self) -> None:
        """Sweep four times per timeout (at least once a second) until cancelled."""
        every = min(1.0, self.timeout_ns / NS_PER_SECOND / 4)
        while True:
            await self._clock.sleep(every)
            self.sweep()

    def protocol(self) -> type[GuardedConnection]:
        """The HTTP protocol class uvicorn builds each connection with, bound to this guard."""
        guard = self

        class Bound(GuardedConnection):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self.guard = guard

        return Bound


class GuardedConnection(HttpToolsProtocol):
    """uvicorn's httptools protocol, reporting when a request starts and when it has fully arrived."""

    guard: SlowClientGuard
    headers_done = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if not self.guard.admit(self):
            transport.write(TOO_MANY)
            transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.headers_done = False
        self.guard.arm(self)

    def on_headers_complete(self) -> None:
        self.headers_done = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.guard.disarm(self)
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self.guard.disarm(self)  # the WebSocket protocol takes the connection over from here
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.disarm(self)
        super().connection_lost(exc)

    def shutdown(self) -> None:
        """The server is stopping: a request still arriving will not be served, so close now
        (uvicorn would wait for its body, and a client that never sends it stalls the stop)."""
        if self in self.guard.pending:
            self.guard.disarm(self)
            self.expire()
            return
        super().shutdown()

    def expire(self) -> None:
        """The request did not arrive in time: 408 if its headers never did, then close."""
        if self.transport.is_closing():
            return
        if not self.headers_done:
            self.transport.write(TIMED_OUT)
        self.transport.close()
