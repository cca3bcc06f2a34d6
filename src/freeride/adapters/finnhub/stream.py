"""Finnhub trades over WebSocket: batched frames, millisecond stamps, keep-alive pings.

Subscriptions are remembered, so every (re)connect sends all of them again; the caller drives the
reconnect loop (see ``ports.market_data.QuoteStream``). Garbage trades are dropped and counted in
``rejected``; a garbage frame is skipped and counted the same way, never put on the bus.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from freeride.adapters.finnhub import parse
from freeride.adapters.finnhub.config import FinnhubConfig
from freeride.core.clock import Clock
from freeride.core.errors import AuthError
from freeride.core.instruments import Instrument
from freeride.net.errors import BadReply
from freeride.net.ws import WsConnection, open_ws
from freeride.ports.market_data import StreamEvent


class FinnhubStream:
    name = "finnhub"

    def __init__(self, config: FinnhubConfig, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._symbols: dict[str, str] = {}  # wire symbol → our symbol
        self._conn: WsConnection | None = None
        self.rejected = 0
        self.pings = 0

    async def subscribe(self, instruments: Iterable[Instrument]) -> None:
        for instrument in instruments:
            wire = parse.wire_symbol(instrument)
            if wire not in self._symbols:
                self._symbols[wire] = instrument.symbol
                if self._conn is not None:
                    await self._conn.send_json({"type": "subscribe", "symbol": wire})

    async def unsubscribe(self, instruments: Iterable[Instrument]) -> None:
        for instrument in instruments:
            wire = parse.wire_symbol(instrument)
            if self._symbols.pop(wire, None) is not None and self._conn is not None:
                await self._conn.send_json({"type": "unsubscribe", "symbol": wire})

    async def events(self) -> AsyncIterator[StreamEvent]:
        token = self._config.api_key.get_secret_value()
        conn = await open_ws(self.name, f"{self._config.ws_url}?token={token}")
        self._conn = conn
        try:
            for wire in list(self._symbols):
                await conn.send_json({"type": "subscribe", "symbol": wire})
            while True:
                raw = await conn.recv()
                try:
                    frame = parse.frame(raw)
                except BadReply:
                    self.rejected += 1
                    continue
                if isinstance(frame, parse.TradeFrame):
                    trades, rejected = parse.trades(frame, self._symbols, self._clock.now_ns())
                    self.rejected += rejected
                    for trade in trades:
                        yield trade
                elif isinstance(frame, parse.PingFrame):
                    self.pings += 1
                elif "token" in frame.msg.lower() or "auth" in frame.msg.lower():
                    raise AuthError(f"finnhub: stream refused: {frame.msg}")
                else:
                    self.rejected += 1
        finally:
            self._conn = None
            await conn.close()

    async def aclose(self) -> None:
        if self._conn is not None:
            await self._conn.close()
