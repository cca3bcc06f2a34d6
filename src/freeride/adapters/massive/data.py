"""Massive as a ``MarketData`` provider: aggregates v2 for bars; the latest price is the last trade
for a stock and the last quote (bid/ask, priced at the mid) for a forex pair.

Both "last" endpoints are paid-plan data: a free key gets HTTP 403 ``NOT_AUTHORIZED``, which the
client raises as ``NotEntitled`` so the gateway stops asking Massive for that kind of quote for a
while instead of counting it as an outage.
"""

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
            return asset_class in (AssetClass.STOCK, AssetClass.FOREX)
        return interval is None or interval in TIMESPANS

    async def latest(self, instrument: Instrument) -> Snapshot:
        if instrument.is_forex:
            quote = await self._client.get(parse.last_quote_path(instrument))
            return parse.last_forex_quote(quote, instrument, self._clock.now_ns())
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
