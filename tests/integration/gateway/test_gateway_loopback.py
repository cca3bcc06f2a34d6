"""The whole market-data path from Settings, with every vendor fake on a loopback port.

``build_market_data`` builds the production adapters from settings that point at the fakes; the
gateway fails over between them over real HTTP, and the fan-in keeps the Finnhub and Massive
sockets flowing through a server-side drop, resubscribing on its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Any

import pytest

from freeride.app.gateway import MarketDataSetup, build_market_data
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.secrets import EnvSecretStore
from freeride.config.settings import load_settings
from freeride.core.clock import ManualClock, datetime_to_ns
from freeride.core.instruments import parse_instrument
from freeride.core.market import Quote, Trade
from freeride.core.system import SystemEvent
from freeride.gateway.fanin import StreamFanIn
from freeride.testing.fakes.alphavantage import FakeAlphaVantage
from freeride.testing.fakes.finnhub import FakeFinnhub
from freeride.testing.fakes.massive import FakeMassive
from freeride.testing.fakes.server import serve
from freeride.testing.fakes.waiting import until
from freeride.testing.fakes.yahoo import FakeYahoo

NOW = datetime_to_ns(datetime(2024, 6, 4, 12, tzinfo=UTC))


class Fakes:
    def __init__(self) -> None:
        self.av = FakeAlphaVantage()
        self.fh = FakeFinnhub()
        self.ms = FakeMassive()
        self.yh = FakeYahoo()
        self.hosts: dict[str, str] = {}


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    made = Fakes()
    async with AsyncExitStack() as stack:
        for name, fake in (("av", made.av), ("fh", made.fh), ("ms", made.ms), ("yh", made.yh)):
            made.hosts[name] = await stack.enter_async_context(serve(fake.app))
        yield made


def setup_for(
    fakes: Fakes, enabled: list[str], clock: ManualClock, seen: list[Any]
) -> tuple[MarketDataSetup, InMemoryBus]:
    h = fakes.hosts
    settings = load_settings(
        _env_file=None,
        providers={
            "enabled": enabled,
            "alphavantage_api_key": "demo-key",
            "finnhub_api_key": "fh-key",
            "massive_api_key": "ms-key",
            "alphavantage_url": f"http://{h['av']}",
            "finnhub_url": f"http://{h['fh']}/api/v1",
            "finnhub_ws_url": f"ws://{h['fh']}/",
            "massive_url": f"http://{h['ms']}",
            "massive_ws_url": f"ws://{h['ms']}/stocks",
            "yahoo_url": f"http://{h['yh']}",
        },
    )
    bus = InMemoryBus(clock)
    bus.subscribe(topics.EVERYTHING, seen.append)
    return build_market_data(settings, bus, clock, store=EnvSecretStore({})), bus


async def test_chain_from_settings_fails_over_over_real_http(fakes: Fakes) -> None:
    clock = ManualClock(NOW)
    seen: list[Any] = []
    setup, _ = setup_for(fakes, ["alphavantage", "finnhub", "massive", "yahoo"], clock, seen)
    gateway = setup.gateway
    assert not setup.simulated
    assert setup.keys == {"alphavantage": True, "finnhub": True, "massive": True}
    assert (await gateway.latest("AAPL")).provider == "alphavantage"
    assert (await gateway.latest("MSFT")).provider == "finnhub"  # our own 1/s limit for AV
    clock.advance(1)
    fakes.av.fail("burst")
    assert (await gateway.latest("IBM")).provider == "finnhub"  # AV's burst reply
    assert "1 request per second" in str([e for e in seen if isinstance(e, SystemEvent)][-1].data)
    # forex: Alpha Vantage out of quota, Finnhub's is paid-only (403 → skipped, not an outage):
    # Massive's last forex quote answers
    fakes.av.always("quota")
    clock.advance(1)  # past the burst limit's second
    fx = await gateway.latest("EUR/USD")
    assert fx.provider == "massive"
    failover = [e for e in seen if isinstance(e, SystemEvent) and e.kind == "failover"][-1]
    assert failover.data["skipped"] == "alphavantage,finnhub"
    assert "403" in str(failover.data["reason.finnhub"])
    assert [e.kind for e in seen if isinstance(e, SystemEvent)].count("quota_exhausted") == 1
    bars = await gateway.bars("AAPL", "1d", datetime_to_ns(datetime(2024, 5, 27)), NOW)
    assert len(bars) == 7  # 27 May to 4 June, weekdays
    assert gateway.last_provider == "massive"  # AV out of quota, Finnhub candles paid-only
    await gateway.stop()


async def test_fan_in_survives_socket_drops_and_resubscribes(fakes: Fakes) -> None:
    clock = ManualClock(NOW)
    seen: list[Any] = []
    setup, bus = setup_for(fakes, ["finnhub", "massive"], clock, seen)
    aapl = parse_instrument("AAPL")
    fanin = StreamFanIn(setup.streams, bus, clock, [aapl])
    await fanin.start()
    await fakes.fh.hub.wait_subscribed("AAPL")
    await fakes.ms.hub.wait_subscribed("AAPL")
    fakes.fh.trades("AAPL", [(190.0 + i / 100, 1717502400000 + i, 1) for i in range(50)])
    fakes.ms.quote("AAPL", 189.9, 190.1, 1717502400100)
    await until(lambda: fanin.published >= 51)
    fakes.fh.hub.drop()
    await until(lambda: any(isinstance(e, SystemEvent) and e.kind == "stream_down" for e in seen))
    clock.advance(0.5)  # the first reconnect delay
    await fakes.fh.hub.wait_subscribed("AAPL", connects=2)
    fakes.fh.trades("AAPL", [(191.0, 1717502401000, 3)])
    await until(lambda: fanin.published >= 52)
    await fanin.stop()
    trades = [e for e in seen if isinstance(e, Trade)]
    quotes = [e for e in seen if isinstance(e, Quote)]
    assert len(trades) == 51
    assert trades[-1].price == 191.0
    assert [(q.bid, q.ask) for q in quotes] == [(189.9, 190.1)]
    kinds = [e.kind for e in seen if isinstance(e, SystemEvent)]
    assert kinds == ["stream_down", "stream_up"]


async def test_no_keys_means_the_simulator_answers_and_says_so(fakes: Fakes) -> None:
    clock = ManualClock(NOW)
    settings = load_settings(_env_file=None, providers={"enabled": ["replay", "finnhub"]})
    setup = build_market_data(settings, InMemoryBus(clock), clock, store=EnvSecretStore({}))
    assert setup.simulated
    assert setup.notes == ["finnhub is enabled but has no API key: set FREERIDE_SECRET_FINNHUB_API_KEY"]
    assert (await setup.gateway.latest("EUR/USD")).provider == "simulator"
    assert fakes.fh.total_calls == 0


async def test_live_components_put_simulated_quotes_on_the_bus() -> None:
    from freeride.app.market_feed import live_components

    clock = ManualClock(NOW)
    bus = InMemoryBus(clock)
    quotes: list[Any] = []
    bus.subscribe(topics.ALL_QUOTES, quotes.append)
    settings = load_settings(_env_file=None)
    setup = build_market_data(settings, bus, clock, store=EnvSecretStore({}))
    components = live_components(setup, bus, clock, [parse_instrument("AAPL"), parse_instrument("EUR/USD")])
    for component in components:
        await component.start()
    await until(lambda: clock.sleepers != 0)
    clock.advance(1)
    await until(lambda: len(quotes) >= 2)
    for component in reversed(components):
        await component.stop()
    assert {q.symbol for q in quotes} == {"AAPL", "EUR/USD"}
    assert all(q.bid < q.ask for q in quotes)


def test_yahoo_is_always_last_in_the_chain() -> None:
    from freeride.app.gateway import chain_order

    assert chain_order(["yahoo", "finnhub", "replay", "alphavantage"]) == [
        "finnhub",
        "replay",
        "alphavantage",
        "yahoo",
    ]


def test_keys_come_from_the_secret_store_too() -> None:
    clock = ManualClock(NOW)
    settings = load_settings(_env_file=None, providers={"enabled": ["finnhub", "simulator"]})
    store = EnvSecretStore({"FREERIDE_SECRET_FINNHUB_API_KEY": "fh-key"})
    setup = build_market_data(settings, InMemoryBus(clock), clock, store=store)
    assert setup.keys == {"alphavantage": False, "finnhub": True, "massive": False}
    assert not setup.simulated
    assert [p.name for p in setup.gateway.providers] == ["finnhub", "simulator"]
    assert [s.name for s in setup.streams] == ["finnhub", "simulator"]
    assert setup.notes == ["the simulator is in the chain with real providers: when they fail, it answers"]
