"""A scripted in-process ``MarketData`` provider for gateway tests and benchmarks.

It answers from the simulator's price model unless told to fail: ``fail(exc, times)`` queues
errors, ``hold()`` parks every call on an event until ``release()`` (to line up concurrent asks),
and ``latency_s`` waits on the injected clock. ``calls`` counts what reached it.
"""

from __future__ import annotations

import asyncio
from collections import deque

from freeride.core.clock import Clock
from freeride.core.instruments import AssetClass, Instrument, forex
from freeride.core.market import Bar
from freeride.core.snapshot import Snapshot
from freeride.ports.market_data import RequestKind


class ScriptedProvider:
    def __init__(
        self,
        name: str,
        clock: Clock,
        *,
        price: float = 100.0,
        latency_s: float = 0.0,
        kinds: tuple[RequestKind, ...] = (RequestKind.QUOTE, RequestKind.BARS),
        asset_classes: tuple[AssetClass, ...] = (AssetClass.STOCK, AssetClass.FOREX),
    ) -> None:
        self.name = name
        self._clock = clock
        self.price = price
        self.latency_s = latency_s
        self._kinds = kinds
        self._classes = asset_classes
        self._errors: deque[Exception] = deque()
        self._always: Exception | None = None
        self._gate: asyncio.Event | None = None
        self.calls = 0
        self.closed = False

    def supports(self, kind: RequestKind, asset_class: AssetClass, interval: str | None = None) -> bool:
        return kind in self._kinds and asset_class in self._classes

    def fail(self, exc: Exception, times: int = 1) -> None:
        self._errors.extend([exc] * times)

    def always(self, exc: Exception | None) -> None:
        self._always = exc

    def hold(self) -> None:
        self._gate = asyncio.Event()

    def release(self) -> None:
        if self._gate is not None:
            self._gate.set()
            self._gate = None

    async def _enter(self) -> None:
        self.calls += 1
        if self._gate is not None:
            await self._gate.wait()
        if self.latency_s:
            await self._clock.sleep(self.latency_s)
        if self._errors:
            raise self._errors.popleft()
        if self._always is not None:
            raise self._always

    async def latest(self, instrument: Instrument) -> Snapshot:
        await self._enter()
        now = self._clock.now_ns()
        return Snapshot(
            symbol=instrument.symbol,
            price=self.price,
            prev_close=self.price * 0.99,
            provider=self.name,
            ts_event=now,
            ts_init=now,
        )

    async def fx_rate(self, base: str, quote: str) -> Snapshot:
        return await self.latest(forex(f"{base}/{quote}"))

    async def bars(self, instrument: Instrument, interval: str, start_ns: int, end_ns: int) -> list[Bar]:
        await self._enter()
        return [
            Bar(
                symbol=instrument.symbol,
                interval=interval,
                open=self.price,
                high=self.price,
                low=self.price,
                close=self.price,
                volume=1.0,
                ts_event=start_ns,
                ts_init=self._clock.now_ns(),
            )
        ]

    async def aclose(self) -> None:
        self.closed = True
