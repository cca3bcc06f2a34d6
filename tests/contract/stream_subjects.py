"""Every ``QuoteStream``: Finnhub and Massive against their fakes on a loopback port, the simulator
on a manual clock. Each subject says how to make its source produce an event and drop the line."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from pydantic import SecretStr

from freeride.adapters.finnhub.config import FinnhubConfig
from freeride.adapters.finnhub.stream import FinnhubStream
from freeride.adapters.massive.config import MassiveConfig
from freeride.adapters.massive.stream import MassiveStream
from freeride.adapters.simulator.stream import SimulatorStream
from freeride.core.clock import ManualClock
from freeride.ports.market_data import QuoteStream
from freeride.testing.fakes.finnhub import FakeFinnhub
from freeride.testing.fakes.massive import FakeMassive
from freeride.testing.fakes.server import serve

NOW = 1_717_430_400_000_000_000
MS = NOW // 1_000_000


@dataclass
class StreamSubject:
    name: str
    stream: QuoteStream
    clock: ManualClock
    emit: Callable[[str, float], Awaitable[None]]  # make the source print a trade of a symbol
    drop: Callable[[], None] | None = None  # close the line from the far end (wire only)
    with_key: Callable[[str], QuoteStream] | None = None  # the same stream with another key
    subscribed: Callable[[str], bool] | None = None  # whether the far end streams a symbol to us


@contextlib.asynccontextmanager
async def finnhub(clock: ManualClock) -> AsyncIterator[StreamSubject]:
    fake = FakeFinnhub()
    async with serve(fake.app) as host:

        def make(key: str) -> QuoteStream:
            return FinnhubStream(FinnhubConfig(SecretStr(key), ws_url=f"ws://{host}/"), clock)

        async def emit(symbol: str, price: float) -> None:
            await fake.hub.wait_subscribed(symbol)
            fake.trades(symbol, [(price, MS, 10)])

        def subscribed(symbol: str) -> bool:
            return any(symbol in c.symbols for c in fake.hub.connections)

        yield StreamSubject("finnhub", make("fh-key"), clock, emit, fake.hub.drop, make, subscribed)


@contextlib.asynccontextmanager
async def massive(clock: ManualClock) -> AsyncIterator[StreamSubject]:
    fake = FakeMassive()
    async with serve(fake.app) as host:

        def make(key: str) -> QuoteStream:
            return MassiveStream(MassiveConfig(SecretStr(key), ws_url=f"ws://{host}/stocks"), clock)

        async def emit(symbol: str, price: float) -> None:
            await fake.hub.wait_subscribed(symbol)
            fake.trades(symbol, [(price, MS, 100)])

        def subscribed(symbol: str) -> bool:
            return any(symbol in c.symbols for c in fake.hub.connections)

        yield StreamSubject("massive", make("ms-key"), clock, emit, fake.hub.drop, make, subscribed)


@contextlib.asynccontextmanager
async def simulator(clock: ManualClock) -> AsyncIterator[StreamSubject]:
    stream = SimulatorStream(clock)

    async def emit(symbol: str, price: float) -> None:
        """The next batch, once the stream waits for it (events still pending come out first)."""
        for _ in range(1_000):
            if clock.sleepers:
                clock.advance(stream._data.config.quote_interval_s)
                return
            await asyncio.sleep(0)

    yield StreamSubject("simulator", stream, clock, emit)


FACTORIES = {"finnhub": finnhub, "massive": massive, "simulator": simulator}
