"""Canonical URLs and symbol links."""

from __future__ import annotations

import pytest

from freeride.core.instruments import parse_instrument
from freeride.core.news import NewsItem
from freeride.net.urls_canonical import canonical_url
from freeride.research.linking import Linker
from freeride.research.text import clean, content_hash, headline_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://www.reuters.com/a/b/?utm_source=x&utm_medium=y", "http://reuters.com/a/b"),
        ("https://example.com/p?b=2&a=1#section", "https://example.com/p?a=1&b=2"),
        ("https://amp.example.com/story/amp", "https://example.com/story"),
        ("https://finance.yahoo.com/news/x.html?guccounter=1", "https://finance.yahoo.com/news/x.html"),
    ],
)
def test_spellings_of_one_article_share_a_canonical_url(a: str, b: str) -> None:
    assert canonical_url(a) == canonical_url(b) != ""


def test_non_http_urls_have_no_canonical_form() -> None:
    assert canonical_url("javascript:alert(1)") == ""
    assert canonical_url("") == ""


def test_text_helpers() -> None:
    assert clean("<b>Apple</b> &amp; Co\u00a0 up") == "Apple & Co up"
    assert headline_key("BRIEF-Apple up 3% - Reuters") == headline_key("apple UP 3%")
    assert content_hash("Apple up", "") != content_hash("Apple up!", "")


def _item(headline: str, symbols: tuple[str, ...] = ()) -> NewsItem:
    return NewsItem(
        source="t", item_id=headline, url="", headline=headline, symbols=symbols, ts_event=0, ts_init=0
    )


def test_pairs_are_linked_through_either_currency_and_stocks_by_name_or_ticker() -> None:
    linker = Linker(
        [parse_instrument(s) for s in ("AAPL", "MSFT", "EUR/USD", "USD/JPY", "GBP/USD")],
        {"AAPL": ["Apple", "iPhone"]},
    )
    ecb = linker.link(_item("ECB's Lagarde signals another hike"))
    assert ecb.currencies == ("EUR",)
    assert ecb.symbols == ("EUR/USD",)
    fed = linker.link(_item("Fed holds; the dollar firms"))
    assert set(fed.symbols) == {"EUR/USD", "USD/JPY", "GBP/USD"}
    apple = linker.link(_item("iPhone demand lifts $AAPL; MSFT flat"))
    assert set(apple.symbols) == {"AAPL", "MSFT"}
    aussie = linker.link(_item("Australian dollar slips after RBA"))
    assert aussie.currencies == ("AUD",)
    assert aussie.symbols == ()


def test_vendor_symbols_are_kept_and_terms_come_from_settings() -> None:
    linker = Linker([parse_instrument("XOM")], {"XOM": ["Exxon"]})
    linked = linker.link(_item("Exxon output rises", ("CVX",)))
    assert linked.symbols == ("CVX", "XOM")
