"""Polling turned into events, stream fan-in with reconnects, and garbage kept off the bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime

import httpx
from gateway_rig import START, rig
from pydantic import SecretStr

from freeride.adapters.simulator.config import SimulatorConfig
from freeride.adapters.simulator.stream import SimulatorStream
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import ManualClock, datetime_to_ns
from freeride.core.errors import TemporaryError
from freeride.core.instruments import Instrument, parse_instrument
from freeride.core.market import Quote, Trade
from freeride.core.system import SystemEvent
from freeride.gateway.config import GatewayConfig
from freeride.gateway.fanin import StreamFanIn
from freeride.gateway.poller import QuotePoller
from freeride.gateway.providers import ProviderSpec
from freeride.gateway.service import MarketDataGateway
from freeride.ports.market_data import StreamEvent
from freeride.testing.calendars import market_hours, ny
from freeride.testing.fakes.finnhub import FakeFinnhub
from freeride.testing.fakes.waiting import until

AAPL = parse_instrument("AAPL")


async def test_poller_publishes_new_prices_once() -> None:
    r = rig("finnhub", config=GatewayConfig(quote_ttl_s=5))
    poller = QuotePoller(r.gateway, r.bus, r.clock, [AAPL, parse_instrument("EUR/USD")], interval_s=10)
    await poller.poll_once()
    await poller.poll_once()  # same prices (cached): nothing new
    trades = [e for e in r.market() if isinstance(e, Trade)]
    assert [(t.symbol, t.price, t.size) for t in trades] == [("AAPL", 100.0, 0.0), ("EUR/USD", 100.0, 0.0)]
    r.clock.advance(10)
    await poller.poll_once()
    assert len(r.market()) == 4


async def test_poller_runs_on_the_clock_and_stops() -> None:
    r = rig("finnhub")
    poller = QuotePoller(r.gateway, r.bus, r.clock, [AAPL], interval_s=15)
    await poller.start()
    await until(lambda: r.clock.sleepers != 0)
    assert poller.rounds == 1
    r.clock.advance(15)
    await until(lambda: poller.rounds >= 2)
    await poller.stop()
    assert poller.published == 2


async def test_garbage_from_a_real_adapter_never_reaches_the_bus() -> None:
    clock = ManualClock(datetime_to_ns(datetime(2024, 6, 4, tzinfo=UTC)))
    bus = InMemoryBus(clock)
    seen: list[object] = []
    bus.subscribe(topics.EVERYTHING, seen.append)
    fake = FakeFinnhub()
    from freeride.adapters.finnhub.config import FinnhubConfig
    from freeride.adapters.finnhub.data import FinnhubData

    data = FinnhubData(
        FinnhubConfig(SecretStr("fh-key"), base_url="http://fh/api/v1"), clock, httpx.ASGITransport(fake.app)
    )
    gateway = MarketDataGateway(
        [ProviderSpec(data)], bus, clock, GatewayConfig(quote_ttl_s=0, failure_threshold=99)
    )
    poller = QuotePoller(gateway, bus, clock, [AAPL])
    for fault in ("html", "truncated", "nan", "negative", "unknown", "down"):
        fake.fail(fault)
        await poller.poll_once()
    assert (poller.failed, poller.published) == (6, 0)
    assert [e for e in seen if not isinstance(e, SystemEvent)] == []
    assert {e.kind for e in seen if isinstance(e, SystemEvent)} == {"no_provider"}
    await poller.poll_once()
    assert [type(e) for e in seen if not isinstance(e, SystemEvent)] == [Trade]


class FlakyStream:
    """Yields two trades per connection, then drops; remembers subscriptions."""

    name = "flaky"

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.connects = 0
        self.symbols: list[str] = []

    async def subscribe(self, instruments: Iterable[Instrument]) -> None:
        self.symbols += [i.symbol for i in instruments]

    async def unsubscribe(self, instruments: Iterable[Instrument]) -> None:
        return None

    async def events(self) -> AsyncIterator[StreamEvent]:
        self.connects += 1
        if self.connects == 2:
            raise TemporaryError("flaky: cannot connect stream")
        for i in range(2):
            yield Trade(symbol=self.symbols[0], price=1.0 + i, size=1.0, ts_event=self.connects, ts_init=0)
        if self.connects >= 3:
            await asyncio.Event().wait()  # stays up
        raise TemporaryError("flaky: stream closed")

    async def aclose(self) -> None:
        return None


async def test_fan_in_reconnects_with_backoff_and_reports_it() -> None:
    clock = ManualClock(START)
    bus = InMemoryBus(clock)
    seen: list[object] = []
    bus.subscribe(topics.EVERYTHING, seen.append)
    stream = FlakyStream(clock)
    fanin = StreamFanIn([stream], bus, clock, [AAPL], GatewayConfig(reconnect_base_s=0.5, reconnect_cap_s=30))
    await fanin.start()
    for delay in (0.5, 1.0):  # drop, then a failed connect: the backoff doubles
        await until(lambda: clock.sleepers != 0)
        clock.advance(delay)
    await until(lambda: fanin.published >= 4)
    await fanin.stop()
    kinds = [(e.kind, e.data.get("retry_in_s")) for e in seen if isinstance(e, SystemEvent)]
    assert kinds == [("stream_down", 0.5), ("stream_down", 1.0), ("stream_up", None)]
    trades = [e for e in seen if isinstance(e, Trade)]
    assert [(t.ts_event, t.price) for t in trades] == [(1, 1.0), (1, 2.0), (3, 1.0), (3, 2.0)]


async def test_simulator_stream_through_fan_in_is_deterministic() -> None:
    async def run() -> list[object]:
        clock = ManualClock(START)
        bus = InMemoryBus(clock)
        got: list[object] = []
        bus.subscribe(topics.ALL_QUOTES, got.append)
        bus.subscribe(topics.ALL_TRADES, got.append)
        stream = SimulatorStream(clock, SimulatorConfig(seed=3, quote_interval_s=1))
        fanin = StreamFanIn([stream], bus, clock, [AAPL, parse_instrument("EUR/USD")])
        await fanin.start()
        for _ in range(3):
            await until(lambda: clock.sleepers != 0)
            clock.advance(1)
        await until(lambda: len(got) >= 9)
        await fanin.stop()
        return got

    first, second = await run(), await run()
    assert first == second
    assert [type(e) for e in first[:3]] == [Quote, Trade, Quote]


async def test_poller_asks_nothing_while_a_market_is_closed() -> None:
    r = rig("finnhub")
    hours = market_hours()
    r.clock.set_ns(ny("2026-12-05 12:00"))  # a Saturday: both markets closed
    eurusd = parse_instrument("EUR/USD")
    poller = QuotePoller(r.gateway, r.bus, r.clock, [AAPL, eurusd], interval_s=15, hours=hours)
    await poller.poll_once()
    assert (r.market(), poller.skipped_closed, r.providers["finnhub"].calls) == ([], 2, 0)
    r.clock.set_ns(ny("2026-12-06 17:00"))  # the forex week opens: only the pair is asked for
    await poller.poll_once()
    assert [e.symbol for e in r.market()] == ["EUR/USD"]
    assert poller.skipped_closed == 3
