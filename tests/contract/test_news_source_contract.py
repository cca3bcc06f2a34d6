"""The contract every news source keeps, whichever vendor or feed it wraps."""

from __future__ import annotations

import pytest

from freeride.core.clock import ManualClock
from freeride.core.instruments import parse_instrument
from freeride.ports.news import NewsSource
from freeride.testing.news_rig import DAY, NOW, SUBJECTS


@pytest.fixture(params=sorted(SUBJECTS))
def source(request: pytest.FixtureRequest) -> NewsSource:
    return SUBJECTS[request.param](ManualClock(NOW)).source


async def test_items_are_normalised_core_items_inside_the_window(source: NewsSource) -> None:
    assert isinstance(source, NewsSource)
    asked = next(i for i in (None, parse_instrument("AAPL")) if source.supports(i))
    batch = await source.news(asked, NOW - DAY, NOW)
    assert batch.items, f"{source.name} delivered nothing"
    for item in batch.items:
        assert item.source == source.name
        assert item.headline
        assert item.headline == item.headline.strip()
        assert item.canonical_url.startswith("https://")
        assert NOW - DAY <= item.ts_event < NOW
        assert item.ts_init == NOW
    assert not batch.rejected
    await source.aclose()


async def test_an_empty_window_is_an_empty_batch(source: NewsSource) -> None:
    asked = next(i for i in (None, parse_instrument("AAPL")) if source.supports(i))
    batch = await source.news(asked, NOW - 10 * DAY, NOW - 9 * DAY)
    assert batch.items == ()
    await source.aclose()
