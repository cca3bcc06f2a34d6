"""Yahoo as a ``MarketData`` provider, through the chart endpoint for both prices and bars."""

from __future__ import annotations

import httpx

from freeride.adapters.yahoo import parse
from freeride.adapters.yahoo.client import YahooClient
from freeride.adapters.yahoo.config import YahooConfig
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import NotAvailable
from freeride.core.instruments import AssetClass, Instrument, forex
from freeride.core.market import Bar
from freeride.core.snapshot import Snapshot
from freeride.ports.market_data import RequestKind

INTERVALS = {"1m": "1m", "5m": "5m", "15m": "15m", "30m": "30m", "1h": "60m", "1d": "1d", "1w": "1wk"}


class YahooData:
    name = "yahoo"

    def __init__(
        self,
        clock: Clock,
        config: YahooConfig | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._clock = clock
        self._client = YahooClient(config or YahooConfig(), transport)

    def supports(self, kind: RequestKind, asset_class: AssetClass, interval: str | None = None) -> bool:
        return interval is None or interval in INTERVALS

    async def latest(self, instrument: Instrument) -> Snapshot:
        result = await self._client.chart(parse.wire_symbol(instrument), range="1d", interval="1d")
        return parse.snapshot(result, instrument, self._clock.now_ns())

    async def fx_rate(self, base: str, quote: str) -> Snapshot:
        return await self.latest(forex(f"{base}/{quote}"))

    async def bars(self, instrument: Instrument, interval: str, start_ns: int, end_ns: int) -> list[Bar]:
        wire_interval = INTERVALS.get(interval)
        if wire_interval is None:
            raise NotAvailable(f"yahoo: no {interval} bars")
        result = await self._client.chart(
            parse.wire_symbol(instrument),
            interval=wire_interval,
            period1=start_ns // NS_PER_SECOND,
            period2=end_ns // NS_PER_SECOND,
            includePrePost="false",
        )
        bars = parse.bars(result, instrument, interval, self._clock.now_ns())
        return [b for b in bars if start_ns <= b.ts_event < end_ns]

    async def answers(self, instrument: Instrument, timeout_s: float) -> str | None:
        """``None`` when the network reaches Yahoo within ``timeout_s``, else why not (see the client)."""
        return await self._client.answers(parse.wire_symbol(instrument), timeout_s)

    async def aclose(self) -> None:
        await self._client.aclose()
