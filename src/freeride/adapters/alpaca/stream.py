"""Alpaca's ``trade_updates`` WebSocket: authenticate, listen, hand each update over, reconnect.

Alpaca's paper endpoint sends binary frames (JSON inside); both kinds are read. After every
(re)connect ``on_connected`` runs before updates flow, so the broker can catch up on what happened
while the socket was down (updates are not replayed by Alpaca). A refused key stops the stream
and is kept in ``auth_error`` for the session check to report; anything else reconnects with
growing pauses on the injected clock.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from freeride.adapters.alpaca.config import AlpacaConfig
from freeride.core.clock import Clock
from freeride.core.errors import AuthError, TemporaryError
from freeride.net.retry import Backoff
from freeride.net.ws import WsConnection, open_ws

OnUpdate = Callable[[dict[str, Any]], None]
OnConnected = Callable[[int], Awaitable[None]]


def _decode(raw: str | bytes) -> dict[str, Any]:
    data = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
    if not isinstance(data, dict):
        raise TemporaryError("alpaca: stream frame is not a JSON object")
    return data


class TradeUpdateStream:
    def __init__(
        self, config: AlpacaConfig, clock: Clock, on_update: OnUpdate, on_connected: OnConnected
    ) -> None:
        self._config = config
        self._clock = clock
        self._on_update = on_update
        self._on_connected = on_connected
        self._conn: WsConnection | None = None
        self.connects = 0
        self.drops = 0
        self.connected = False
        self.auth_error: AuthError | None = None
        self.last_error = ""

    async def run(self) -> None:
        backoff = Backoff(self._config.reconnect_base_s, self._config.reconnect_cap_s)
        while True:
            try:
                await self._session(backoff)
            except AuthError as exc:
                self.auth_error = exc
                self.connected = False
                return
            except (TemporaryError, ValueError, OSError) as exc:
                self.last_error = str(exc)
            self.connected = False
            self.drops += 1
            await self._clock.sleep(backoff.next_delay())

    async def _session(self, backoff: Backoff) -> None:
        conn = await open_ws(self._config.name, self._config.stream_url)
        self._conn = conn
        try:
            await conn.send_json(
                {
                    "action": "auth",
                    "key": self._config.key_id.get_secret_value(),
                    "secret": self._config.secret_key.get_secret_value(),
                }
            )
            reply = _decode(await conn.recv())
            status = reply.get("data", {}).get("status")
            if reply.get("stream") != "authorization" or status != "authorized":
                raise AuthError(f"{self._config.name}: stream refused the keys ({status or reply})")
            await conn.send_json({"action": "listen", "data": {"streams": ["trade_updates"]}})
            while True:
                message = _decode(await conn.recv())
                if message.get("stream") == "listening":
                    break
            self.connects += 1
            self.connected = True
            backoff.reset()
            await self._on_connected(self.connects)
            while True:
                message = _decode(await conn.recv())
                if message.get("stream") == "trade_updates" and isinstance(message.get("data"), dict):
                    self._on_update(message["data"])
        finally:
            self._conn = None
            await conn.close()

    async def close(self) -> None:
        conn = self._conn
        if conn is not None:
            await conn.close()

    @staticmethod
    async def stop(task: asyncio.Task[None] | None) -> None:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
