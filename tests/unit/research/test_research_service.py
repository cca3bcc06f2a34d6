"""News in, scored stories out: each story scored once, cache first, failures named and covered."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import ManualClock
from freeride.core.instruments import parse_instrument
from freeride.core.sentiment import Sentiment, SentimentLabel, StorySentiment
from freeride.core.system import SystemEvent
from freeride.ports.sentiment import ModelUsage, ScoreRequest, ScoreResult
from freeride.research.cache import MemoryCache, TieredCache
from freeride.research.clustering import StoryClusterer
from freeride.research.linking import Linker
from freeride.research.scoring import Scorer, ScorerConfig
from freeride.research.service import ResearchService
from freeride.testing.research_builders import news

S = 1_000_000_000


class CountingModel:
    """A model that scores everything +0.5, refuses texts containing 'refuse', counts its calls."""

    name = "counting-llm"

    def __init__(self) -> None:
        self.calls = 0
        self.texts: list[str] = []
        self.usage = ModelUsage()

    async def score(self, requests: Sequence[ScoreRequest]) -> list[ScoreResult]:
        self.calls += 1
        self.usage.requests += 1
        self.usage.cost_usd += 0.01
        out = []
        for r in requests:
            self.texts.append(r.text)
            if "refuse" in r.text:
                out.append(ScoreResult(id=r.id, problem="refused: I can't help with that"))
            else:
                s = Sentiment(label=SentimentLabel.POSITIVE, score=0.5, confidence=0.9, model=self.name)
                out.append(ScoreResult(id=r.id, sentiment=s))
        return out


def _service(
    model: CountingModel, cap: Decimal | None = None
) -> tuple[ResearchService, InMemoryBus, ManualClock]:
    clock = ManualClock(1_000 * S)
    bus = InMemoryBus(clock)
    linker = Linker([parse_instrument(s) for s in ("AAPL", "EUR/USD")], {"AAPL": ["Apple"]})
    scorer = Scorer(
        model, TieredCache([MemoryCache()]), clock, bus=bus, config=ScorerConfig(daily_cap_usd=cap)
    )
    return ResearchService(bus, clock, linker, StoryClusterer(), scorer), bus, clock


DAY = [
    news(1, "Apple beats estimates as iPhone sales jump", ts_s=900),
    news(2, "Apple tops estimates as iPhone sales jump", source="massive", ts_s=901),
    news(3, "UPDATE 1-Apple beats estimates as iPhone sales jump - Reuters", source="rss:r", ts_s=902),
    news(4, "ECB raises rates, euro climbs", source="alphavantage", ts_s=903),
]


async def test_each_distinct_story_is_scored_once_and_published_per_symbol() -> None:
    model = CountingModel()
    service, bus, _ = _service(model)
    got: list[StorySentiment] = []
    bus.subscribe(topics.ALL_RESEARCH, lambda e: got.append(e) if isinstance(e, StorySentiment) else None)
    out = await service.ingest(DAY)
    assert len(out) == 2
    assert model.calls == 1
    assert len(model.texts) == 2
    apple = next(s for s in out if "AAPL" in s.symbols)
    assert set(apple.sources) == {"finnhub", "massive", "rss:r"}
    assert {s.symbols for s in got} == {("AAPL",), ("EUR/USD",)}


async def test_a_second_pass_makes_no_model_call_and_an_edit_makes_one() -> None:
    model = CountingModel()
    service, _, _ = _service(model)
    await service.ingest(DAY)
    fresh, _, _ = _service(model)  # a new process: the shared cache remembers
    fresh.scorer.cache = service.scorer.cache
    await fresh.ingest(DAY)
    assert model.calls == 1
    edited = news(1, "Apple beats estimates as iPhone sales jump 20%", ts_s=900)
    await fresh.ingest([edited])
    assert model.calls == 2
    assert model.texts[-1].startswith("Apple beats estimates as iPhone sales jump 20%")


async def test_a_refusal_is_named_and_the_offline_model_scores_that_story() -> None:
    model = CountingModel()
    service, bus, _ = _service(model)
    events: list[SystemEvent] = []
    bus.subscribe(topics.ALL_SYSTEM, events.append)
    out = await service.ingest([news(9, "Please refuse this: Apple shares slump", ts_s=900), DAY[3]])
    refused = next(s for s in out if "refuse" in s.headline)
    assert refused.model == "offline-1"
    assert refused.fallback.startswith("refused")
    assert refused.label is SentimentLabel.NEGATIVE
    assert [e.kind for e in events] == ["llm_fallback"]
    assert next(s for s in out if "ECB" in s.headline).model == "counting-llm"


async def test_the_spending_cap_hands_over_to_the_offline_model_with_one_event() -> None:
    model = CountingModel()
    service, bus, clock = _service(model, cap=Decimal("0.015"))
    events: list[SystemEvent] = []
    bus.subscribe(topics.ALL_SYSTEM, events.append)
    await service.ingest([DAY[0]])
    await service.ingest([news(5, "Microsoft cuts outlook", ts_s=950)])
    third = await service.ingest([news(6, "Tesla recalls cars", ts_s=960)])
    fourth = await service.ingest([news(7, "Gold hits record", ts_s=970)])
    assert model.calls == 2
    assert third[0].fallback.startswith("spending_cap")
    assert fourth[0].model == "offline-1"
    assert [e.kind for e in events] == ["llm_spending_cap"]
    clock.advance(86_400)
    await service.ingest([news(8, "Oil rises", ts_s=1_000 + 86_400)])
    assert model.calls == 3  # a new UTC day, a new budget


async def test_merged_stories_drop_the_old_id() -> None:
    model = CountingModel()
    service, _, _ = _service(model)
    await service.ingest([news(2, "Apple tops estimates as iPhone sales jump", source="massive", ts_s=901)])
    out = await service.ingest([news(1, "Apple tops estimates as iPhone sales jump", ts_s=900)])
    assert [s.story_id for s in out] == ["finnhub|1"]
    assert service._story_of == {"massive|2": "finnhub|1", "finnhub|1": "finnhub|1"}
