"""Stories: exact matches, near-duplicates, and the same partition whatever the arrival order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from freeride.core.news import NewsItem
from freeride.net.urls_canonical import canonical_url
from freeride.research.clustering import ClusterConfig, StoryClusterer, make_story
from freeride.research.minhash import MinHasher
from freeride.research.text import jaccard, shingles

S = 1_000_000_000


def item(source: str, n: int, headline: str, url: str = "", ts: int = 0, summary: str = "") -> NewsItem:
    url = url or f"https://{source}.example.com/{n}"
    return NewsItem(
        source=source,
        item_id=str(n),
        url=url,
        canonical_url=canonical_url(url),
        headline=headline,
        summary=summary,
        ts_event=ts * S,
        ts_init=ts * S,
    )


def test_same_canonical_url_is_one_story_whatever_the_headline() -> None:
    c = StoryClusterer()
    c.add(item("finnhub", 1, "Apple results", "https://www.reuters.com/x/?utm_source=fh"))
    added = c.add(item("massive", 2, "Totally other words here", "http://reuters.com/x#top"))
    assert c.find("finnhub|1") == c.find("massive|2") == added.root
    assert len(c.roots()) == 1


def test_same_headline_spelled_differently_is_one_story() -> None:
    c = StoryClusterer()
    c.add(item("finnhub", 1, "UPDATE 1-Apple beats estimates, shares jump - Reuters"))
    c.add(item("alphavantage", 2, "apple BEATS estimates; shares jump"))
    assert len(c.roots()) == 1


def test_reworded_near_duplicate_joins_and_unrelated_stays_apart() -> None:
    c = StoryClusterer()
    c.add(item("finnhub", 1, "Apple raises quarterly dividend after record iPhone sales", ts=1))
    c.add(item("massive", 2, "Apple lifts quarterly dividend after record iPhone sales", ts=2))
    c.add(item("rss:x", 3, "ECB holds rates steady, signals cuts later this year", ts=3))
    stories = sorted(c.stories(0), key=lambda s: s.ts_event)
    assert [s.size for s in stories] == [2, 1]
    first = stories[0]
    assert first.story_id == "finnhub|1"  # the earliest item names the story
    assert first.sources == ("finnhub", "massive")


def test_threshold_is_the_exact_jaccard_of_headline_shingles() -> None:
    a = shingles("Fed raises rates by a quarter point")
    b = shingles("Fed hikes rates by a quarter point")
    j = jaccard(a, b)
    high = StoryClusterer(ClusterConfig(threshold=j + 0.01))
    low = StoryClusterer(ClusterConfig(threshold=j - 0.01))
    for c in (high, low):
        c.add(item("a", 1, "Fed raises rates by a quarter point"))
        c.add(item("b", 2, "Fed hikes rates by a quarter point"))
    assert len(high.roots()) == 2
    assert len(low.roots()) == 1


def test_lsh_banding_finds_similar_pairs_with_the_stated_probability() -> None:
    h = MinHasher(20, 3)
    assert h.candidate_probability(0.5) > 0.9
    assert h.candidate_probability(0.1) < 0.03


def test_redelivered_item_with_an_edited_headline_changes_the_story_hash_only() -> None:
    c = StoryClusterer()
    first = item("finnhub", 1, "Apple beats estimates", ts=1)
    c.add(first)
    before = c.stories(0)[0].content_hash
    again = c.add(first)
    assert not again.new_item
    assert c.stories(0)[0].content_hash == before
    c.add(item("finnhub", 1, "Apple beats estimates, raises guidance", ts=1))
    assert c.stories(0)[0].content_hash != before
    assert len(c) == 1


def test_evict_forgets_old_items_and_keeps_the_rest_clustered() -> None:
    c = StoryClusterer(ClusterConfig(window_s=10))
    c.add(item("a", 1, "Old news about oil", ts=0))
    c.add(item("a", 2, "Gold rallies to record high", ts=100))
    c.add(item("b", 3, "Gold rallies to a record high", ts=101))
    assert c.evict(105 * S) == 1
    assert c.partition() == frozenset({frozenset({"a|2", "b|3"})})


HEADLINES = [
    "Apple beats estimates as iPhone sales jump",
    "Apple tops estimates as iPhone sales jump",
    "Apple beats forecasts as iPhone sales surge",
    "ECB raises rates by a quarter point",
    "ECB hikes rates by a quarter point",
    "Oil falls as OPEC output rises",
    "Crude oil falls as OPEC output rises",
    "Tesla recalls two million cars",
    "Dollar slips after weak payrolls",
    "Dollar slides after weak payrolls report",
]


@st.composite
def feeds(draw: st.DrawFn) -> list[NewsItem]:
    n = draw(st.integers(min_value=1, max_value=25))
    out = []
    for k in range(n):
        headline = draw(st.sampled_from(HEADLINES))
        source = draw(st.sampled_from(["finnhub", "alphavantage", "massive", "rss:fx"]))
        shared = draw(st.booleans())
        url = f"https://news.example.com/{draw(st.integers(0, 6))}?utm_source={source}" if shared else ""
        out.append(item(source, k, headline, url, ts=draw(st.integers(0, 50))))
    return out


@settings(max_examples=150, deadline=None)
@given(items=feeds(), order=st.randoms(use_true_random=False))
def test_clusters_do_not_depend_on_arrival_order(items: list[NewsItem], order: object) -> None:
    forward = StoryClusterer()
    for i in items:
        forward.add(i)
    shuffled = list(items)
    order.shuffle(shuffled)  # type: ignore[attr-defined]
    other = StoryClusterer()
    for i in shuffled:
        other.add(i)
    assert forward.partition() == other.partition()
    ids = {s.story_id: s.content_hash for s in forward.stories(0)}
    assert ids == {s.story_id: s.content_hash for s in other.stories(0)}


def test_make_story_takes_text_from_the_earliest_item() -> None:
    late = item("a", 1, "Late headline", ts=5)
    early = item("b", 2, "Early headline", ts=1, summary="s")
    story = make_story([late, early], 7)
    assert (story.headline, story.summary, story.ts_event, story.ts_last) == ("Early headline", "s", S, 5 * S)
    assert story.item_keys == ("b|2", "a|1")


@settings(max_examples=50, deadline=None)
@given(items=feeds())
def test_preparing_a_batch_gives_the_same_stories_as_one_by_one(items: list[NewsItem]) -> None:
    one = StoryClusterer()
    for i in items:
        one.add(i)
    batch = StoryClusterer()
    batch.prepare(items)
    for i in items:
        batch.add(i)
    assert one.partition() == batch.partition()
