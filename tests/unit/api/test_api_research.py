"""``/api/v1`` research: news and stories, sentiment series and scoring, plans and their evaluation."""

from __future__ import annotations

from v1_rig import DAY, T0, V1

from freeride.app.research import build_research
from freeride.bus import topics
from freeride.core.market import Bar
from freeride.core.plans import TradePlan
from freeride.testing.research_builders import news

S = 1_000_000_000


async def _with_research(v1: V1) -> None:
    settings = v1.state.full_settings
    assert settings is not None
    assert v1.state.db is not None
    v1.state.research = await build_research(settings, v1.bus, v1.state.db, v1.clock, None)
    items = [
        news(1, "Apple beats estimates as iPhone sales jump", symbols=("AAPL",), ts_s=T0 // S - 7_200),
        news(
            2,
            "Apple tops estimates as iPhone sales jump",
            source="massive",
            symbols=("AAPL",),
            ts_s=T0 // S - 7_100,
        ),
        news(
            3, "Tesla recalls two million cars over steering defect", symbols=("TSLA",), ts_s=T0 // S - 3_600
        ),
    ]
    await v1.state.research.service.ingest(items)
    price = 100.0
    bars = []
    for k in range(90):
        price *= 1.004
        bars.append(
            Bar(
                symbol="AAPL",
                interval="1d",
                open=price,
                high=price * 1.01,
                low=price * 0.99,
                close=price,
                volume=1e6,
                ts_event=T0 - (90 - k) * DAY,
                ts_init=0,
            )
        )
    await v1.repos.bars.upsert_many(bars)


async def test_news_stories_and_sentiment(v1: V1) -> None:
    await _with_research(v1)
    page = (await v1.get("/api/v1/news", symbol="aapl")).json()
    assert page["count"] == 1
    story = page["items"][0]
    assert sorted(story["sources"]) == ["finnhub", "massive"]
    assert story["label"] == "positive"
    detail = await v1.get(f"/api/v1/stories/{story['story_id']}")
    assert len(detail.json()["items"]) == 2
    assert (await v1.get("/api/v1/stories/none|1")).status_code == 404
    series = (await v1.get("/api/v1/sentiment", symbol="AAPL", bucket="1d")).json()
    assert series["points"][0]["stories"] == 1
    scored = await v1.http.post("/api/v1/sentiment", headers=v1.auth(), json={"texts": ["Profit fell 20%"]})
    assert scored.json()["items"][0]["label"] == "negative"


async def test_bad_input_is_a_422_naming_the_field(v1: V1) -> None:
    await _with_research(v1)
    assert (await v1.get("/api/v1/news", symbol="not a symbol!")).status_code == 422
    assert (await v1.get("/api/v1/sentiment", symbol="AAPL", bucket="7m")).status_code == 422
    empty = await v1.http.post("/api/v1/sentiment", headers=v1.auth(), json={"texts": []})
    assert empty.status_code == 422
    bad = await v1.http.post("/api/v1/plans", headers=v1.auth("trade"), json={"symbol": "AAPL", "extra": 1})
    assert bad.status_code == 422
    short = await v1.http.post("/api/v1/plans", headers=v1.auth("trade"), json={"symbol": "TSLA"})
    assert short.status_code == 422  # no bars for TSLA: nothing to plan from
    assert "no 1d bars for TSLA" in short.json()["error"]["message"]
    assert short.json()["error"]["fields"][0]["field"] == "symbol"


async def test_plans_are_made_published_listed_and_evaluated(v1: V1) -> None:
    await _with_research(v1)
    published: list[TradePlan] = []
    v1.bus.subscribe(topics.trade_plan("AAPL"), published.append)
    refused = await v1.http.post("/api/v1/plans", headers=v1.auth("read"), json={"symbol": "AAPL"})
    assert refused.status_code == 403
    made = await v1.http.post("/api/v1/plans", headers=v1.auth("trade"), json={"symbol": "aapl"})
    assert made.status_code == 201
    plan = made.json()
    assert plan["plan_id"] == "AAPL#1"
    assert plan["direction"] == "long"
    assert "Apple beats estimates" in plan["rationale"]
    assert [p.plan_id for p in published] == ["AAPL#1"]
    listed = (await v1.get("/api/v1/plans", active="true")).json()
    assert [p["plan_id"] for p in listed["items"]] == ["AAPL#1"]
    evaluated = await v1.http.post("/api/v1/plans/evaluate", headers=v1.auth("trade"))
    assert evaluated.json()["items"][0]["outcome"]["outcome"] == "open"
    assert evaluated.json()["track_record"]["AAPL"]["plans"] == 1


async def test_without_research_the_routes_say_so(v1: V1) -> None:
    response = await v1.get("/api/v1/news")
    assert response.status_code == 503
