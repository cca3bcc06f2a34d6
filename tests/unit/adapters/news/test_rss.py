"""RSS and Atom feeds served on loopback: conditional GET, and every kind of broken feed named."""

from __future__ import annotations

import pytest

from freeride.adapters.rss.news import RssConfig, RssNews
from freeride.core.clock import ManualClock
from freeride.net.errors import BadReply
from freeride.testing.fakes.rss import FakeFeeds
from freeride.testing.fakes.server import serve
from freeride.testing.news_rig import DAY, NOW

WIDE = (NOW - 400 * DAY, NOW + 400 * DAY)


@pytest.fixture
async def feeds() -> object:
    fake = FakeFeeds()
    async with serve(fake.app) as address:
        yield fake, address


def _source(address: str, feed: str) -> RssNews:
    return RssNews(RssConfig(name=feed, url=f"http://{address}/feeds/{feed}"), ManualClock(NOW))


async def test_rss_and_atom_over_loopback_with_conditional_get(feeds: tuple[FakeFeeds, str]) -> None:
    fake, address = feeds
    bank = _source(address, "central-bank")
    first = await bank.news(None, NOW - DAY, NOW)
    assert [i.source for i in first.items] == ["rss:central-bank"] * 2
    assert "ECB raises key interest rates" in first.items[0].headline
    again = await bank.news(None, NOW - DAY, NOW)
    assert again.not_modified
    assert again.items == ()
    assert fake.not_modified["central-bank"] == 1
    atom = _source(address, "broker")
    items = (await atom.news(None, NOW - DAY, NOW)).items
    assert items[0].canonical_url == "https://broker.example.com/news/dollar-slides"
    await bank.aclose()
    await atom.aclose()


@pytest.mark.parametrize(
    ("feed", "kept", "named"),
    [
        ("broken-xml", 1, "mismatched tag"),
        ("no-dates", 1, "no publication date"),
        ("html-titles", 1, "no headline"),
        ("latin1", 1, "CharacterEncodingOverride"),
    ],
)
async def test_malformed_feeds_keep_what_is_readable_and_name_the_rest(
    feeds: tuple[FakeFeeds, str], feed: str, kept: int, named: str
) -> None:
    _, address = feeds
    source = _source(address, feed)
    batch = await source.news(None, *WIDE)
    assert len(batch.items) == kept
    assert any(named in r for r in batch.rejected), batch.rejected
    await source.aclose()


async def test_impossible_dates_and_markup_are_handled(feeds: tuple[FakeFeeds, str]) -> None:
    _, address = feeds
    dates = _source(address, "no-dates")
    batch = await dates.news(None, *WIDE)
    assert any("impossible publication date" in r for r in batch.rejected)
    html = _source(address, "html-titles")
    assert (await html.news(None, *WIDE)).items[0].headline == "Euro jumps & stays firm"
    latin = _source(address, "latin1")
    assert (await latin.news(None, *WIDE)).items[0].headline == "Franken stärker nach SNB-Entscheid"
    for s in (dates, html, latin):
        await s.aclose()


async def test_an_html_page_or_a_missing_feed_is_an_error(feeds: tuple[FakeFeeds, str]) -> None:
    _, address = feeds
    page = _source(address, "not-a-feed")
    with pytest.raises(BadReply, match="not an RSS or Atom feed"):
        await page.news(None, *WIDE)
    gone = _source(address, "nope")
    with pytest.raises(Exception, match="404"):
        await gone.news(None, *WIDE)
    await page.aclose()
    await gone.aclose()
