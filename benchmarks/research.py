"""Research: a replayed day of 5,000 news items from four feeds, 60 % re-reports of earlier stories.

Measured in one run, on the same items (``freeride.testing.news_day``, seed 7, true story known):

* **clustering**: pairwise precision and recall of the stories against the true stories;
* **LLM cost**: the items ingested in batches of 500 (a feed round each) through the research
  service with the OpenAI analyser against the fake OpenAI (the official SDK over its real wire
  format); requests made and stories scored, beside the naive one call per item; then a second pass
  over the same day (a restart with the score cache kept), which must make zero requests;
* **throughput**: items/s through ingest → link → cluster → offline score → one plan per symbol
  (in memory, best of three; also per CPU-second of this process, which other load on the machine
  disturbs less), and the same with every item and story stored in SQLite;
* **sentiment**: the offline model's accuracy and macro-F1 on the held-out evaluation set, beside
  plain VADER's and always-the-majority-class's.

The last line is one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx2
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).parent))
from _util import peak_mib
from freeride.adapters.openai.config import OpenAIConfig
from freeride.adapters.openai.sentiment import OpenAISentiment
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import ManualClock
from freeride.core.instruments import parse_instrument
from freeride.core.market import Bar
from freeride.research.cache import MemoryCache, TieredCache
from freeride.research.clustering import StoryClusterer
from freeride.research.linking import Linker
from freeride.research.plans.planner import PlanConfig, make_plan
from freeride.research.scoring import Scorer
from freeride.research.sentiment.evaluation import evaluate, load_examples, majority, plain_vader
from freeride.research.sentiment.offline import OfflineModel
from freeride.research.service import ResearchService
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories.research import SqlNewsRepository
from freeride.testing.fakes.openai import FakeOpenAI
from freeride.testing.news_day import COMPANIES, CURRENCIES, DayItem, news_day

ITEMS = 5_000
BATCH = 500
PER_REQUEST = 25
EVAL = Path(__file__).parents[1] / "tests" / "data" / "sentiment_eval.tsv"


def pairs(groups: Counter[object]) -> int:
    return sum(n * (n - 1) // 2 for n in groups.values())


def cluster_quality(day: list[DayItem], clusterer: StoryClusterer) -> tuple[float, float, int]:
    truth = {d.item.key: d.story for d in day}
    predicted = {key: clusterer.find(key) for key in truth}
    both = pairs(Counter((predicted[k], truth[k]) for k in truth))
    pred_pairs = pairs(Counter(predicted.values()))
    true_pairs = pairs(Counter(truth.values()))
    return both / pred_pairs, both / true_pairs, len(set(predicted.values()))


def symbols() -> list[str]:
    return [t for t, _ in COMPANIES] + [p for p, _, _ in CURRENCIES]


def linker() -> Linker:
    return Linker([parse_instrument(s) for s in symbols()], {t: [name] for t, name in COMPANIES})


def bars_for(symbol: str) -> list[Bar]:
    price = 1.1 if "/" in symbol else 150.0
    out = []
    for k in range(120):
        price *= 1.0 + 0.004 * ((k * 7919) % 11 - 5) / 5
        out.append(
            Bar(
                symbol=symbol,
                interval="1d",
                open=price,
                high=price * 1.01,
                low=price * 0.99,
                close=price,
                volume=1e6,
                ts_event=(1_707_000_000 + k * 86_400) * 1_000_000_000,
                ts_init=0,
            )
        )
    return out


async def pipeline(day: list[DayItem], *, store: bool) -> tuple[float, float]:
    """Wall and CPU seconds for ingest → cluster → offline score (→ SQLite) → one plan per symbol."""
    clock = ManualClock(day[-1].item.ts_event)
    engine = None
    repo = None
    if store:
        tmp = tempfile.mkdtemp()
        engine = create_engine(f"sqlite+aiosqlite:///{tmp}/bench.db")
        await upgrade_engine(engine)
        repo = SqlNewsRepository(engine)
    offline = OfflineModel()
    service = ResearchService(
        InMemoryBus(clock),
        clock,
        linker(),
        StoryClusterer(),
        Scorer(offline, TieredCache([MemoryCache()]), clock),
        repo,
    )
    bars = {s: bars_for(s) for s in symbols()}
    started = time.perf_counter()
    cpu = time.process_time()
    stories = []
    for i in range(0, len(day), BATCH):
        stories.extend(await service.ingest([d.item for d in day[i : i + BATCH]]))
    by_symbol: dict[str, list[object]] = {}
    for s in stories:
        for sym in s.symbols:
            by_symbol.setdefault(sym, []).append(s)
    for sym in symbols():
        make_plan(
            parse_instrument(sym),
            "1d",
            bars[sym],
            by_symbol.get(sym, []),
            PlanConfig(),  # type: ignore[arg-type]
            quote_to_account=1.0,
            now_ns=clock.now_ns(),
        )
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if engine is not None:
        await engine.dispose()
    return elapsed, cpu


async def llm_pass(day: list[DayItem]) -> dict[str, int]:
    fake = FakeOpenAI()
    clock = ManualClock(day[-1].item.ts_event)
    config = OpenAIConfig(
        SecretStr("sk-test"), base_url="http://openai.test/v1", stories_per_request=PER_REQUEST
    )
    model = OpenAISentiment(config, clock, httpx2.ASGITransport(fake.app))
    cache = TieredCache([MemoryCache()])
    service = ResearchService(None, clock, linker(), StoryClusterer(), Scorer(model, cache, clock))
    for i in range(0, len(day), BATCH):
        await service.ingest([d.item for d in day[i : i + BATCH]])
    first = fake.calls["chat"]
    scored = model.usage.scored
    again = ResearchService(None, clock, linker(), StoryClusterer(), Scorer(model, cache, clock))
    for i in range(0, len(day), BATCH):
        await again.ingest([d.item for d in day[i : i + BATCH]])
    await model.aclose()
    return {
        "requests": first,
        "scored": scored,
        "second_pass_requests": fake.calls["chat"] - first,
        "stories": len(service.clusterer.roots()),
        "fallbacks": service.scorer.fallbacks,
    }


async def main() -> None:
    day = news_day(ITEMS, seed=7)
    true_stories = len({d.story for d in day})
    clusterer = StoryClusterer()
    for d in day:
        clusterer.add(d.item)
    precision, recall, found = cluster_quality(day, clusterer)
    llm = await llm_pass(day)
    runs = [await pipeline(day, store=False) for _ in range(3)]
    memory = min(w for w, _ in runs)
    memory_cpu = min(c for _, c in runs)
    stored, _ = await pipeline(day, store=True)
    examples = load_examples(EVAL)
    offline = OfflineModel()
    ours = evaluate(examples, lambda t: offline.analyse(t).label)
    vader = evaluate(examples, plain_vader())
    base = evaluate(examples, majority(examples))
    print(f"items {ITEMS}, true stories {true_stories}, stories found {found}")
    print(f"clustering: pairwise precision {precision:.4f}, recall {recall:.4f} (threshold 0.5)")
    print(
        f"LLM: {llm['requests']} requests scoring {llm['scored']} stories "
        f"({llm['scored'] / max(1, llm['requests']):.1f} per request), naive {ITEMS} calls; "
        f"second pass: {llm['second_pass_requests']} requests"
    )
    print(
        f"pipeline: {ITEMS / memory:,.0f} items/s in memory, {ITEMS / stored:,.0f} items/s storing in SQLite"
    )
    print(
        f"sentiment on {ours.n} held-out sentences: "
        f"offline acc {ours.accuracy:.3f} macro-F1 {ours.macro_f1:.3f}; "
        f"VADER acc {vader.accuracy:.3f} macro-F1 {vader.macro_f1:.3f}; majority acc {base.accuracy:.3f}"
    )
    print(
        json.dumps(
            {
                "items": ITEMS,
                "true_stories": true_stories,
                "stories": found,
                "cluster_precision": round(precision, 4),
                "cluster_recall": round(recall, 4),
                "llm_requests": llm["requests"],
                "llm_scored_items": llm["scored"],
                "naive_llm_calls": ITEMS,
                "llm_second_pass_requests": llm["second_pass_requests"],
                "items_per_s": round(ITEMS / memory),
                "items_per_cpu_s": round(ITEMS / memory_cpu),
                "items_per_s_sqlite": round(ITEMS / stored),
                "offline_accuracy": round(ours.accuracy, 4),
                "offline_macro_f1": round(ours.macro_f1, 4),
                "vader_accuracy": round(vader.accuracy, 4),
                "vader_macro_f1": round(vader.macro_f1, 4),
                "majority_accuracy": round(base.accuracy, 4),
                "peak_mib": round(peak_mib(), 1),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
