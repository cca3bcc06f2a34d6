"""Research events cross processes like every other event: msgpack round trips, frozen structs."""

from __future__ import annotations

import msgspec

from freeride.core.events import EVENT_TYPES
from freeride.core.news import NewsItem
from freeride.core.plans import TradePlan
from freeride.core.sentiment import StorySentiment
from freeride.testing.research_builders import news, plan, scored


def test_news_stories_and_plans_are_bus_events_that_round_trip() -> None:
    for kind in (NewsItem, StorySentiment, TradePlan):
        assert kind in EVENT_TYPES
    samples = [
        news(1, "Apple beats", symbols=("AAPL",)),
        scored("a|1", "Apple beats", 0.5),
        plan("EUR/USD", entry=1.08, stop=1.07),
    ]
    for event in samples:
        assert msgspec.msgpack.decode(msgspec.msgpack.encode(event), type=type(event)) == event
        assert msgspec.json.decode(msgspec.json.encode(event), type=type(event)) == event
