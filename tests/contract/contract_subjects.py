"""Every ``MarketData`` adapter, built against its fake (or none, for the simulator)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from pydantic import SecretStr

from freeride.adapters.alphavantage.config import AlphaVantageConfig
from freeride.adapters.alphavantage.data import AlphaVantageData
from freeride.adapters.finnhub.config import FinnhubConfig
from freeride.adapters.finnhub.data import FinnhubData
from freeride.adapters.massive.config import MassiveConfig
from freeride.adapters.massive.data import MassiveData
from freeride.adapters.simulator.data import SimulatorData
from freeride.adapters.yahoo.config import YahooConfig
from freeride.adapters.yahoo.data import YahooData
from freeride.core.clock import ManualClock, datetime_to_ns
from freeride.ports.market_data import MarketData
from freeride.testing.fakes.alphavantage import FakeAlphaVantage
from freeride.testing.fakes.base import FakeVendor
from freeride.testing.fakes.finnhub import FakeFinnhub
from freeride.testing.fakes.massive import FakeMassive
from freeride.testing.fakes.yahoo import FakeYahoo

NOW = datetime_to_ns(datetime(2024, 6, 4, 12, tzinfo=UTC))


@dataclass
class Subject:
    adapter: MarketData
    fake: FakeVendor | None
    clock: ManualClock


def _av(clock: ManualClock) -> Subject:
    fake = FakeAlphaVantage()
    cfg = AlphaVantageConfig(SecretStr("demo-key"), base_url="http://av.test")
    return Subject(AlphaVantageData(cfg, clock, httpx.ASGITransport(fake.app)), fake, clock)


def _fh(clock: ManualClock) -> Subject:
    fake = FakeFinnhub()
    cfg = FinnhubConfig(SecretStr("fh-key"), base_url="http://fh.test/api/v1")
    return Subject(FinnhubData(cfg, clock, httpx.ASGITransport(fake.app)), fake, clock)


def _ms(clock: ManualClock) -> Subject:
    fake = FakeMassive()
    cfg = MassiveConfig(SecretStr("ms-key"), base_url="http://ms.test")
    return Subject(MassiveData(cfg, clock, httpx.ASGITransport(fake.app)), fake, clock)


def _yh(clock: ManualClock) -> Subject:
    fake = FakeYahoo()
    return Subject(
        YahooData(clock, YahooConfig(base_url="http://yh.test"), httpx.ASGITransport(fake.app)), fake, clock
    )


def _sim(clock: ManualClock) -> Subject:
    return Subject(SimulatorData(clock), None, clock)


FACTORIES: dict[str, Callable[[ManualClock], Subject]] = {
    "alphavantage": _av,
    "finnhub": _fh,
    "massive": _ms,
    "yahoo": _yh,
    "simulator": _sim,
}
