"""Massive trades and quotes over WebSocket: authenticate, then subscribe; status messages between.

The server greets with ``connected``; we send ``auth`` and wait for ``auth_success`` (an
``auth_failed`` is an ``AuthError``: reconnecting with the same key cannot help), then subscribe
``T.<sym>`` and ``Q.<sym>`` for every remembered symbol.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from freeride.adapters.massive import parse
from freeride.adapters.massive.config import MassiveConfig
from freeride.core.clock import Clock
from freeride.core.errors import AuthError, TemporaryError
from freeride.core.instruments import Instrument
from freeride.net.errors import BadReply
from freeride.net.ws import WsConnection, open_ws
from freeride.ports.market_data import StreamEvent

NAME = "massive"


def _channels(symbols: Iterable[str]) -> str:
    return ",".join(f"{kind}.{s}" for s in symbols for kind in ("T", "Q"))


class MassiveStream:
    name = NAME

    def __init__(self, config: MassiveConfig, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._symbols: dict[str, str] = {}
        self._conn: WsConnection | None = None
        self.rejected = 0
        self.statuses: list[str] = []

    async def subscribe(self, instruments: Iterable[Instrument]) -> None:
        new = [parse.ticker(i) for i in instruments if parse.ticker(i) not in self._symbols]
        for instrument in instruments:
            self._symbols[parse.ticker(instrument)] = instrument.symbol
        if new and self._conn is not None:
            await self._conn.send_json({"action": "subscribe", "params": _channels(new)})

    async def unsubscribe(self, instruments: Iterable[Instrument]) -> None:
        gone = [parse.ticker(i) for i in instruments if self._symbols.pop(parse.ticker(i), None)]
        if gone and self._conn is not None:
            await self._conn.send_json({"action": "unsubscribe", "params": _channels(gone)})

    async def _authenticate(self, conn: WsConnection) -> None:
        await conn.send_json({"action": "auth", "params": self._config.api_key.get_secret_value()})
        while True:
            for msg in parse.messages(await conn.recv()):
                if not isinstance(msg, parse.StatusMsg):
                    continue
                self.statuses.append(msg.status)
                if msg.status == "auth_success":
                    return
                if msg.status == "auth_failed":
                    raise AuthError(f"{NAME}: stream refused the key: {msg.message}")

    async def events(self) -> AsyncIterator[StreamEvent]:
        conn = await open_ws(NAME, self._config.ws_url)
        try:
            await self._authenticate(conn)
            self._conn = conn
            if self._symbols:
                await conn.send_json({"action": "subscribe", "params": _channels(self._symbols)})
            while True:
                try:
                    batch = parse.messages(await conn.recv())
                except BadReply:
                    self.rejected += 1
                    continue
                now = self._clock.now_ns()
                for msg in batch:
                    if isinstance(msg, parse.StatusMsg):
                        self.statuses.append(msg.status)
                        if msg.status in ("auth_failed", "disconnected"):
                            raise TemporaryError(f"{NAME}: stream status {msg.status}: {msg.message}")
                        continue
                    if isinstance(msg, parse.MinuteAggMsg):
                        continue
                    symbol = self._symbols.get(msg.sym)
                    event = parse.event(msg, symbol, now) if symbol is not None else None
                    if event is None:
                        self.rejected += 1
                        continue
                    yield event
        finally:
            self._conn = None
            await conn.close()

    async def aclose(self) -> None:
        if self._conn is not None:
            await self._conn.close()
