"""Alpha Vantage as a ``MarketData`` provider: GLOBAL_QUOTE, CURRENCY_EXCHANGE_RATE, the series."""

from __future__ import annotations

import httpx

from freeride.adapters.alphavantage import parse
from freeride.adapters.alphavantage.client import AlphaVantageClient
from freeride.adapters.alphavantage.config import AlphaVantageConfig
from freeride.core.clock import Clock
from freeride.core.errors import NotAvailable
from freeride.core.instruments import AssetClass, Instrument, forex
from freeride.core.market import Bar
from freeride.core.snapshot import Snapshot
from freeride.ports.market_data import RequestKind

_SLACK_NS = 4 * 86_400 * 1_000_000_000  # a long weekend before the first point is still covered
INTRADAY = {"1m": "1min", "5m": "5min", "15m": "15min", "30m": "30min", "1h": "60min"}


class AlphaVantageData:
    name = "alphavantage"

    def __init__(
        self, config: AlphaVantageConfig, clock: Clock, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._clock = clock
        self._config = config
        self._client = AlphaVantageClient(config, clock, transport)

    def supports(self, kind: RequestKind, asset_class: AssetClass, interval: str | None = None) -> bool:
        if kind is RequestKind.QUOTE:
            return True
        if asset_class is AssetClass.FOREX:
            return interval in (None, "1d")  # FX_INTRADAY is premium-only
        return interval is None or interval == "1d" or interval in INTRADAY

    async def latest(self, instrument: Instrument) -> Snapshot:
        if instrument.is_forex:
            data = await self._client.query(
                "CURRENCY_EXCHANGE_RATE",
                from_currency=instrument.base_currency or "",
                to_currency=instrument.quote_currency,
            )
            return parse.exchange_rate(data, instrument, self._clock.now_ns())
        data = await self._client.query("GLOBAL_QUOTE", symbol=instrument.symbol)
        return parse.global_quote(data, instrument, self._clock.now_ns())

    async def fx_rate(self, base: str, quote: str) -> Snapshot:
        return await self.latest(forex(f"{base}/{quote}"))

    async def bars(self, instrument: Instrument, interval: str, start_ns: int, end_ns: int) -> list[Bar]:
        if not self.supports(RequestKind.BARS, instrument.asset_class, interval):
            kind = instrument.asset_class.value
            raise NotAvailable(f"alphavantage: no free {interval} bars for {kind} instruments")
        size = self._config.outputsize
        if instrument.is_forex:
            data = await self._client.query(
                "FX_DAILY",
                from_symbol=instrument.base_currency or "",
                to_symbol=instrument.quote_currency,
                outputsize=size,
            )
        elif interval == "1d":
            data = await self._client.query("TIME_SERIES_DAILY", symbol=instrument.symbol, outputsize=size)
        else:
            data = await self._client.query(
                "TIME_SERIES_INTRADAY", symbol=instrument.symbol, interval=INTRADAY[interval], outputsize=size
            )
        bars = parse.series(data, instrument, interval, self._clock.now_ns())
        if bars and start_ns < bars[0].ts_event - _SLACK_NS:
            # compact = the last 100 points: a range reaching further back would come back cut
            # short without a word, so it is refused and the next provider is asked instead.
            raise NotAvailable(
                f"alphavantage: the free tier returns only the last 100 {interval} bars of "
                f"{instrument.symbol}; the range starts before them"
            )
        return [b for b in bars if start_ns <= b.ts_event < end_ns]

    async def aclose(self) -> None:
        await self._client.aclose()
