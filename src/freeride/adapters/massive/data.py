"""Massive as a ``MarketData`` provider: aggregates v2 for bars, last trade for the latest price."""

from __future__ import annotations

import httpx

from freeride.adapters.massive import parse
from freeride.adapters.massive.client import MassiveClient
from freeride.adapters.massive.config import MassiveConfig
from freeride.core.clock import Clock
from freeride.core.errors import NotAvailable
from freeride.core.instruments import AssetClass, Instrument, forex
from freeride.core.market import Bar
from freeride.core.snapshot import Snapshot
from freeride.ports.market_data import RequestKind

TIMESPANS = {
    "1m": (1, "minute"),
    "5m": (5, "minute"),
    "15m": (15, "minute"),
    "30m": (30, "minute"),
    "1h": (1, "hour"),
    "4h": (4, "hour"),
    "1d": (1, "day"),
    "1w": (1, "week"),
}
_MS = 1_000_000


class MassiveData:
    name = "massive"

    def __init__(
        self, config: MassiveConfig, clock: Clock, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._config = config
        self._clock = clock
        self._client = MassiveClient(config, transport)

    def supports(self, kind: RequestKind, asset_class: AssetClass, interval: str | None = None) -> bool:
        if kind is RequestKind.QUOTE:
            return asset_class is AssetClass.STOCK
        return interval is None or interval in TIMESPANS

    async def latest(self, instrument: Instrument) -> Snapshot:
        if instrument.is_forex:
            raise NotAvailable("massive: forex quotes are not wired; ask another provider")
        data = await self._client.get(f"/v2/last/trade/{parse.ticker(instrument)}")
        return parse.last_trade(data, instrument, self._clock.now_ns())

    async def fx_rate(self, base: str, quote: str) -> Snapshot:
        return await self.latest(forex(f"{base}/{quote}"))

    async def bars(self, instrument: Instrument, interval: str, start_ns: int, end_ns: int) -> list[Bar]:
        span = TIMESPANS.get(interval)
        if span is None:
            raise NotAvailable(f"massive: no {interval} aggregates")
        multiplier, timespan = span
        path = (
            f"/v2/aggs/ticker/{parse.ticker(instrument)}/range/{multiplier}/{timespan}"
            f"/{start_ns // _MS}/{max(start_ns, end_ns - 1) // _MS}"
        )
        params: dict[str, str | int] = {"adjusted": "true", "sort": "asc", "limit": 50_000}
        bars: list[Bar] = []
        for _ in range(self._config.max_pages):
            data = await self._client.get(path, **params)
            bars.extend(parse.aggregates(data, instrument, interval, self._clock.now_ns()))
            next_url = data.get("next_url")
            if not isinstance(next_url, str) or not next_url:
                break
            path, params = next_url, {}
        return [b for b in bars if start_ns <= b.ts_event < end_ns]

    async def aclose(self) -> None:
        await self._client.aclose()
