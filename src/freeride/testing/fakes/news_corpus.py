"""Articles the fake vendors serve as news, each in its own vendor's wire format.

One ``Article`` list feeds every fake, so a test can put the same story on three feeds (with the
URL spelled three ways) and check that it becomes one story. ``bad_articles`` are the defects
real feeds have: no headline, HTML in the title, an impossible date, a link that is no URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class Article:
    id: str
    headline: str
    url: str
    published_s: int
    summary: str = ""
    publisher: str = "Newswire"
    tickers: list[str] = field(default_factory=list)
    category: str = "company"
    sentiment: float = 0.0  # the vendor's own score, where the vendor gives one

    @property
    def published(self) -> datetime:
        return datetime.fromtimestamp(self.published_s, tz=UTC)


def sample_articles(now_s: int) -> list[Article]:
    """A small day of news about AAPL, MSFT and EUR/USD, newest first."""
    h = 3_600
    return [
        Article(
            "n1",
            "Apple beats quarterly revenue estimates on strong iPhone demand",
            "https://www.reuters.com/technology/apple-beats-estimates-2024-06-03/",
            now_s - 1 * h,
            "Apple reported revenue above forecasts.",
            "Reuters",
            ["AAPL"],
            sentiment=0.6,
        ),
        Article(
            "n2",
            "Microsoft cuts cloud outlook as enterprise demand slows",
            "https://www.cnbc.com/2024/06/03/microsoft-cuts-outlook.html",
            now_s - 2 * h,
            "The company lowered its forecast.",
            "CNBC",
            ["MSFT"],
            sentiment=-0.5,
        ),
        Article(
            "n3",
            "ECB raises rates by a quarter point, euro climbs",
            "https://www.ft.com/content/ecb-raises-rates",
            now_s - 3 * h,
            "The euro rose after the decision.",
            "Financial Times",
            [],
            "forex",
            0.4,
        ),
        Article(
            "n4",
            "Apple to hold annual developer conference next week",
            "https://www.bloomberg.com/news/apple-wwdc",
            now_s - 5 * h,
            "The event starts on Monday.",
            "Bloomberg",
            ["AAPL"],
            sentiment=0.0,
        ),
    ]


def bad_articles(now_s: int) -> list[Article]:
    return [
        Article("b1", "", "https://example.com/no-title", now_s - 60),
        Article(
            "b2",
            "<b>Apple</b> &amp; Microsoft <i>rally</i>",
            "https://example.com/html",
            now_s - 120,
            tickers=["AAPL"],
        ),
        Article("b3", "Dated in the far future", "https://example.com/future", now_s + 400 * 86_400),
        Article("b4", "Dated before the web", "https://example.com/old", 86_400),
        Article("b5", "Link is not a URL", "javascript:alert(1)", now_s - 180),
    ]
