"""News sources built against their fakes: the production adapters, only the base URL differs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from pydantic import SecretStr

from freeride.adapters.alphavantage.config import AlphaVantageConfig
from freeride.adapters.alphavantage.news import AlphaVantageNews
from freeride.adapters.finnhub.config import FinnhubConfig
from freeride.adapters.finnhub.news import FinnhubNews
from freeride.adapters.massive.config import MassiveConfig
from freeride.adapters.massive.news import MassiveNews
from freeride.adapters.rss.news import RssConfig, RssNews
from freeride.core.clock import ManualClock, datetime_to_ns
from freeride.ports.news import NewsSource
from freeride.testing.fakes.alphavantage import FakeAlphaVantage
from freeride.testing.fakes.finnhub import FakeFinnhub
from freeride.testing.fakes.massive import FakeMassive
from freeride.testing.fakes.rss import FakeFeeds

NOW = datetime_to_ns(datetime(2024, 6, 3, 21, tzinfo=UTC))
DAY = 86_400 * 1_000_000_000


@dataclass
class NewsSubject:
    source: NewsSource
    fake: FakeFinnhub | FakeAlphaVantage | FakeMassive | FakeFeeds
    clock: ManualClock


def finnhub(clock: ManualClock) -> NewsSubject:
    fake = FakeFinnhub()
    cfg = FinnhubConfig(SecretStr("fh-key"), base_url="http://fh.test/api/v1")
    return NewsSubject(FinnhubNews(cfg, clock, httpx.ASGITransport(fake.app)), fake, clock)


def alphavantage(clock: ManualClock) -> NewsSubject:
    fake = FakeAlphaVantage()
    cfg = AlphaVantageConfig(SecretStr("demo-key"), base_url="http://av.test")
    return NewsSubject(AlphaVantageNews(cfg, clock, httpx.ASGITransport(fake.app)), fake, clock)


def massive(clock: ManualClock) -> NewsSubject:
    fake = FakeMassive()
    cfg = MassiveConfig(SecretStr("ms-key"), base_url="http://ms.test")
    return NewsSubject(MassiveNews(cfg, clock, httpx.ASGITransport(fake.app)), fake, clock)


def rss(clock: ManualClock, feed: str = "broker") -> NewsSubject:
    fake = FakeFeeds()
    cfg = RssConfig(name=feed, url=f"http://feeds.test/feeds/{feed}")
    return NewsSubject(RssNews(cfg, clock, httpx.ASGITransport(fake.app)), fake, clock)


SUBJECTS: dict[str, Callable[[ManualClock], NewsSubject]] = {
    "finnhub": finnhub,
    "alphavantage": alphavantage,
    "massive": massive,
    "rss": rss,
}
