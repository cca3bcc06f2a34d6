"""WebSocket connections with their faults mapped to ``core.errors``.

A thin wrapper over the ``websockets`` client: adapters send JSON and receive raw frames (they
decode them in ``parse``); a dropped connection becomes ``TemporaryError`` and a refused
handshake with 401/403 becomes ``AuthError``, so the driver of a stream knows whether to
reconnect or to stop and tell the operator.
"""

from __future__ import annotations

import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException

from freeride.core.errors import AuthError, InvalidInput, TemporaryError


class WsConnection:
    """One open socket; ``recv`` returns the frame as sent (text or bytes)."""

    def __init__(self, provider: str, conn: ClientConnection) -> None:
        self.provider = provider
        self._conn = conn

    async def send_json(self, message: Any) -> None:
        try:
            await self._conn.send(json.dumps(message, separators=(",", ":")))
        except ConnectionClosed as exc:
            raise TemporaryError(f"{self.provider}: stream closed while sending: {exc}") from exc

    async def recv(self) -> str | bytes:
        try:
            return await self._conn.recv()
        except ConnectionClosed as exc:
            raise TemporaryError(f"{self.provider}: stream closed: {exc}") from exc

    async def close(self) -> None:
        await self._conn.close()


async def open_ws(provider: str, url: str, *, open_timeout_s: float = 10.0) -> WsConnection:
    """Connect; pings are answered by the library, frames may be large (batched trades)."""
    try:
        conn = await connect(url, open_timeout=open_timeout_s, max_size=2**23, compression=None)
    except InvalidStatus as exc:
        code = exc.response.status_code
        if code in (401, 403):
            raise AuthError(f"{provider}: stream refused the key (HTTP {code})") from exc
        raise TemporaryError(f"{provider}: stream handshake failed (HTTP {code})") from exc
    except InvalidURI as exc:
        raise InvalidInput(f"{provider}: bad stream URL: {exc}") from exc
    except (OSError, TimeoutError, WebSocketException) as exc:
        raise TemporaryError(f"{provider}: cannot connect stream: {type(exc).__name__}: {exc}") from exc
    return WsConnection(provider, conn)
