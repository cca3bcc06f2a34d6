"""Forex quotes reach Massive through the gateway, with every vendor fake on a loopback port.

A pair's quote fails over from providers that fail (Alpha Vantage down, Finnhub's rates paid-only)
to Massive's last forex quote over real HTTP. On a free Massive key the same request is refused
with 403 ``NOT_AUTHORIZED``: the gateway then skips Massive for forex quotes, without a call,
while Massive keeps answering the bars its plan does include.
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
from freeride.core.system import SystemEvent
from freeride.testing.fakes.alphavantage import FakeAlphaVantage
from freeride.testing.fakes.finnhub import FakeFinnhub
from freeride.testing.fakes.massive import FakeMassive
from freeride.testing.fakes.server import serve
from freeride.testing.fakes.yahoo import FakeYahoo

NOW = datetime_to_ns(datetime(2024, 6, 4, 12, tzinfo=UTC))
ENABLED = ["alphavantage", "finnhub", "massive", "yahoo"]


class Rig:
    """The four vendor fakes on loopback ports and the gateway built from settings that point at them."""

    def __init__(self, massive: FakeMassive) -> None:
        self.av = FakeAlphaVantage()
        self.fh = FakeFinnhub()
        self.ms = massive
        self.yh = FakeYahoo()
        self.clock = ManualClock(NOW)
        self.seen: list[Any] = []

    async def start(self, stack: AsyncExitStack) -> MarketDataSetup:
        hosts = {}
        for name, fake in (("av", self.av), ("fh", self.fh), ("ms", self.ms), ("yh", self.yh)):
            hosts[name] = await stack.enter_async_context(serve(fake.app))
        settings = load_settings(
            _env_file=None,
            providers={
                "enabled": ENABLED,
                "alphavantage_api_key": "demo-key",
                "finnhub_api_key": "fh-key",
                "massive_api_key": "ms-key",
                "alphavantage_url": f"http://{hosts['av']}",
                "finnhub_url": f"http://{hosts['fh']}/api/v1",
                "finnhub_ws_url": f"ws://{hosts['fh']}/",
                "massive_url": f"http://{hosts['ms']}",
                "massive_ws_url": f"ws://{hosts['ms']}/stocks",
                "yahoo_url": f"http://{hosts['yh']}",
            },
        )
        bus = InMemoryBus(self.clock)
        bus.subscribe(topics.EVERYTHING, self.seen.append)
        return build_market_data(settings, bus, self.clock, store=EnvSecretStore({}))

    def failovers(self) -> list[SystemEvent]:
        return [e for e in self.seen if isinstance(e, SystemEvent) and e.kind == "failover"]


@pytest.fixture
async def paid() -> AsyncIterator[tuple[Rig, MarketDataSetup]]:
    rig = Rig(FakeMassive())
    async with AsyncExitStack() as stack:
        yield rig, await rig.start(stack)


@pytest.fixture
async def free() -> AsyncIterator[tuple[Rig, MarketDataSetup]]:
    rig = Rig(FakeMassive(free_plan=True))
    async with AsyncExitStack() as stack:
        yield rig, await rig.start(stack)


async def test_a_forex_quote_fails_over_to_massive(paid: tuple[Rig, MarketDataSetup]) -> None:
    rig, setup = paid
    rig.av.always("down")
    snap = await setup.gateway.latest("EUR/USD")
    assert (snap.symbol, snap.provider) == ("EUR/USD", "massive")
    assert snap.bid is not None
    assert snap.ask is not None
    assert snap.bid < snap.price < snap.ask
    assert snap.price == pytest.approx(rig.ms.price("EUR/USD"))
    assert rig.ms.calls["last_quote"] == 1
    assert rig.yh.total_calls == 0  # Massive answered: Yahoo, last in the chain, is never asked
    failover = rig.failovers()[-1]
    assert failover.data["answered_by"] == "massive"
    assert failover.data["skipped"] == "alphavantage,finnhub"
    assert str(failover.data["reason.alphavantage"]).startswith("down")
    assert "403" in str(failover.data["reason.finnhub"])
    await setup.gateway.stop()


async def test_a_free_massive_key_is_skipped_for_forex_quotes_but_not_for_bars(
    free: tuple[Rig, MarketDataSetup],
) -> None:
    rig, setup = free
    gateway = setup.gateway
    rig.av.always("down")
    first = await gateway.latest("EUR/USD")
    assert first.provider == "yahoo"
    assert "not entitled" in str(rig.failovers()[-1].data["reason.massive"])
    assert rig.ms.calls["last_quote"] == 1
    rig.clock.advance(60)  # past the quote cache, well inside the not-entitled hold
    again = await gateway.latest("EUR/USD")
    assert again.provider == "yahoo"
    assert rig.ms.calls["last_quote"] == 1  # skipped without a call
    assert "refused earlier" in str(rig.failovers()[-1].data["reason.massive"])
    bars = await gateway.bars("EUR/USD", "1d", datetime_to_ns(datetime(2024, 5, 27, tzinfo=UTC)), NOW)
    assert bars
    assert gateway.last_provider == "massive"  # the refusal was about forex quotes, not aggregates
    await gateway.stop()
