"""Builders of research objects for tests and demos: news items, scored stories, plans."""

from __future__ import annotations

from decimal import Decimal

from freeride.core.news import NewsItem
from freeride.core.plans import PlanDirection, PlanInput, TradePlan
from freeride.core.sentiment import SentimentLabel, StorySentiment
from freeride.net.urls_canonical import canonical_url

S = 1_000_000_000


def news(
    n: int,
    headline: str,
    *,
    source: str = "finnhub",
    symbols: tuple[str, ...] = (),
    ts_s: int = 0,
    url: str = "",
    summary: str = "",
) -> NewsItem:
    url = url or f"https://news.example.com/{source}/{n}"
    return NewsItem(
        source=source,
        item_id=str(n),
        url=url,
        canonical_url=canonical_url(url),
        headline=headline,
        summary=summary,
        symbols=symbols,
        ts_event=ts_s * S,
        ts_init=ts_s * S,
    )


def scored(
    story_id: str,
    headline: str,
    score: float,
    *,
    symbols: tuple[str, ...] = ("AAPL",),
    ts_s: int = 0,
    model: str = "offline-1",
) -> StorySentiment:
    label = (
        SentimentLabel.POSITIVE
        if score > 0.12
        else SentimentLabel.NEGATIVE
        if score < -0.12
        else SentimentLabel.NEUTRAL
    )
    return StorySentiment(
        story_id=story_id,
        content_hash=f"h-{story_id}",
        headline=headline,
        url=f"https://news.example.com/{story_id}",
        symbols=symbols,
        sources=("finnhub",),
        label=label,
        score=score,
        confidence=0.8,
        model=model,
        ts_event=ts_s * S,
        ts_init=ts_s * S,
    )


def plan(
    symbol: str = "AAPL",
    *,
    direction: PlanDirection = PlanDirection.LONG,
    entry: float = 100.0,
    stop: float = 95.0,
    ts_s: int = 0,
    expires_s: int = 86_400 * 5,
    interval: str = "1d",
) -> TradePlan:
    risk = abs(entry - stop)
    sign = direction.sign
    return TradePlan(
        plan_id="",
        symbol=symbol,
        asset_class="forex" if "/" in symbol else "stock",
        version=0,
        direction=direction,
        entry_low=entry - risk * 0.1,
        entry_high=entry + risk * 0.1,
        stop=stop,
        target1=entry + sign * 1.5 * risk,
        target2=entry + sign * 3 * risk,
        quantity=Decimal(100),
        risk_amount=Decimal(500),
        account_currency="USD",
        reward_risk=1.5,
        confidence=0.6,
        interval=interval,
        inputs=(PlanInput(name="rsi14", value=55.0, reading="neutral"),),
        rationale="test plan",
        expires_at=(ts_s + expires_s) * S,
        ts_event=ts_s * S,
        ts_init=ts_s * S,
    )
