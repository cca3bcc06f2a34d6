"""Finnhub as a ``MarketData`` provider: ``/quote``, ``/forex/rates``, ``/stock/candle``, profiles;
and a ``SymbolLookup`` through its symbol search (``/search``)."""

from __future__ import annotations

import httpx

from freeride.adapters.finnhub import parse
from freeride.adapters.finnhub.client import FinnhubClient
from freeride.adapters.finnhub.config import FinnhubConfig
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import NotAvailable
from freeride.core.instruments import AssetClass, Instrument, forex
from freeride.core.market import Bar
from freeride.core.snapshot import CompanyProfile, Snapshot
from freeride.ports.market_data import RequestKind

RESOLUTIONS = {"1m": "1", "5m": "5", "15m": "15", "30m": "30", "1h": "60", "1d": "D", "1w": "W"}


class FinnhubData:
    name = "finnhub"

    def __init__(
        self, config: FinnhubConfig, clock: Clock, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._clock = clock
        self._client = FinnhubClient(config, transport)

    def supports(self, kind: RequestKind, asset_class: AssetClass, interval: str | None = None) -> bool:
        if kind is RequestKind.BARS:
            return asset_class is AssetClass.STOCK and (interval is None or interval in RESOLUTIONS)
        return True

    async def latest(self, instrument: Instrument) -> Snapshot:
        if instrument.is_forex:
            data = await self._client.get("/forex/rates", base=instrument.base_currency or "")
            return parse.forex_rate(data, instrument, self._clock.now_ns())
        data = await self._client.get("/quote", symbol=parse.wire_symbol(instrument))
        return parse.quote(data, instrument, self._clock.now_ns())

    async def fx_rate(self, base: str, quote: str) -> Snapshot:
        return await self.latest(forex(f"{base}/{quote}"))

    async def bars(self, instrument: Instrument, interval: str, start_ns: int, end_ns: int) -> list[Bar]:
        resolution = RESOLUTIONS.get(interval)
        if resolution is None or instrument.is_forex:
            raise NotAvailable(f"finnhub: no {interval} candles for {instrument.symbol}")
        data = await self._client.get(
            "/stock/candle",
            symbol=parse.wire_symbol(instrument),
            resolution=resolution,
            **{"from": start_ns // NS_PER_SECOND, "to": end_ns // NS_PER_SECOND},
        )
        bars = parse.candles(data, instrument, interval, self._clock.now_ns())
        return [b for b in bars if start_ns <= b.ts_event < end_ns]

    async def profile(self, instrument: Instrument) -> CompanyProfile:
        """The company behind a stock (``/stock/profile2``), as far as the plan allows."""
        data = await self._client.get("/stock/profile2", symbol=parse.wire_symbol(instrument))
        return parse.profile(data, instrument)

    async def exists(self, symbol: str) -> bool:
        """Whether Finnhub's symbol search (``/search``) lists ``symbol`` exactly (stocks only)."""
        data = await self._client.get("/search", q=symbol)
        return parse.search_lists(data, symbol)

    async def aclose(self) -> None:
        await self._client.aclose()
