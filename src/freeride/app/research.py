"""Builds research from Settings: news sources, the sentiment model, the score cache, plans.

The only place that picks concrete news adapters and the LLM. ``build_research`` returns the
pieces ready to start; ``components`` are what a runtime adds for ``freeride live`` (the news
gateway, the poller and the research service) after the market-data gateway, whose limits the
vendors' news calls share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.adapters.alphavantage.config import AlphaVantageConfig
from freeride.adapters.alphavantage.news import AlphaVantageNews
from freeride.adapters.finnhub.config import FinnhubConfig
from freeride.adapters.finnhub.news import FinnhubNews
from freeride.adapters.massive.config import MassiveConfig
from freeride.adapters.massive.news import MassiveNews
from freeride.adapters.rss.news import RssConfig, RssNews
from freeride.app.gateway import resolve_keys
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.errors import ConfigError, FreerideError, NotAvailable
from freeride.core.instruments import Instrument, forex, parse_instrument
from freeride.core.market import Bar
from freeride.gateway.news import NewsGateway
from freeride.gateway.news_poller import NewsPoller
from freeride.gateway.service import MarketDataGateway
from freeride.ports.bus import Bus
from freeride.ports.news import NewsSource
from freeride.ports.secrets import SecretStore, SecretStoreError
from freeride.ports.sentiment import ScoreCache, SentimentModel
from freeride.research.cache import TieredCache
from freeride.research.clustering import ClusterConfig, StoryClusterer
from freeride.research.linking import Linker
from freeride.research.plan_service import PlanScheduler, PlanService, PlanServiceConfig
from freeride.research.plans.planner import PlanConfig
from freeride.research.scoring import Scorer, ScorerConfig
from freeride.research.sentiment.offline import OfflineModel
from freeride.research.service import ResearchService
from freeride.storage.repositories.market import BarRepository
from freeride.storage.repositories.research import (
    SqlNewsRepository,
    SqlPlanRepository,
    SqlScoreCache,
    SqlUsageRepository,
)

Transports = Mapping[str, Any]  # source name → httpx (or, for "openai", httpx2) transport
OPENAI_SECRET = "openai_api_key"


def research_symbols(settings: Settings) -> list[Instrument]:
    """What news is polled for: the watchlists, the trading sleeves and ``research.symbols``."""
    names = [
        *settings.watched_symbols(),
        *(s.symbol for s in settings.trading_sleeves()),
        *settings.research.symbols,
    ]
    return [parse_instrument(n) for n in dict.fromkeys(names)]


def build_sources(
    settings: Settings, clock: Clock, store: SecretStore | None, transports: Transports | None = None
) -> tuple[list[NewsSource], list[str]]:
    """The news sources settings enable (vendors with a key, every RSS feed); notes on the rest."""
    t = dict(transports or {})
    keys, notes = resolve_keys(settings, store)
    p = settings.providers
    sources: list[NewsSource] = []
    for name in settings.research.sources:
        key = keys.get(name)
        if key is None:
            continue
        if name == "finnhub":
            sources.append(FinnhubNews(FinnhubConfig(key, base_url=p.finnhub_url), clock, t.get(name)))
        elif name == "alphavantage":
            sources.append(
                AlphaVantageNews(AlphaVantageConfig(key, base_url=p.alphavantage_url), clock, t.get(name))
            )
        elif name == "massive":
            sources.append(MassiveNews(MassiveConfig(key, base_url=p.massive_url), clock, t.get(name)))
    for feed, url in settings.research.rss.items():
        sources.append(RssNews(RssConfig(name=feed, url=url), clock, t.get(f"rss:{feed}")))
    if not sources:
        notes.append(
            "no news source: set a Finnhub, Alpha Vantage or Massive key, or feeds in FREERIDE_RESEARCH__RSS"
        )
    return sources, notes


def build_model(
    settings: Settings, clock: Clock, store: SecretStore | None, transports: Transports | None = None
) -> SentimentModel:
    """The configured model: the offline one, or OpenAI (``pip install 'freeride[llm]'``)."""
    r = settings.research
    if r.model == "offline":
        return OfflineModel()
    key = r.openai.api_key
    if key is None and store is not None:
        try:
            found = store.get(OPENAI_SECRET)
        except SecretStoreError as exc:
            raise ConfigError(f"cannot look up {OPENAI_SECRET}: {exc.problem} — {exc.fix}") from None
        key = SecretStr(found) if found else None
    if key is None:
        raise ConfigError(
            "research.model is openai but no key is set: FREERIDE_SECRET_OPENAI_API_KEY or "
            "FREERIDE_RESEARCH__OPENAI__API_KEY"
        )
    try:
        from freeride.adapters.openai.config import OpenAIConfig
        from freeride.adapters.openai.sentiment import OpenAISentiment
    except ImportError as exc:
        raise ConfigError(f"the OpenAI analyser needs: pip install 'freeride[llm]' ({exc})") from None
    o = r.openai
    config = OpenAIConfig(
        key,
        model=o.model,
        base_url=o.base_url,
        stories_per_request=o.stories_per_request,
        input_usd_per_mtok=o.input_usd_per_mtok,
        output_usd_per_mtok=o.output_usd_per_mtok,
        batch_min=o.batch_min,
    )
    return OpenAISentiment(config, clock, (transports or {}).get("openai"))


async def build_cache(settings: Settings, engine: AsyncEngine, clock: Clock) -> ScoreCache:
    tiers: list[ScoreCache] = []
    if settings.redis_url is not None:
        from redis.asyncio import Redis

        from freeride.storage.score_cache_redis import RedisScoreCache

        tiers.append(RedisScoreCache(Redis.from_url(settings.redis_url), clock))
    tiers.append(SqlScoreCache(engine))
    return TieredCache(tiers)


@dataclass
class ResearchSetup:
    service: ResearchService
    plans: PlanService
    news_gateway: NewsGateway
    poller: NewsPoller
    model: SentimentModel
    offline: OfflineModel
    news: SqlNewsRepository
    engine: AsyncEngine
    scheduler: PlanScheduler | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def components(self) -> list[Component]:
        """In start order; plans are scheduled after news flows (``research.plans.symbols``)."""
        scheduled = [self.scheduler] if self.scheduler is not None and self.scheduler.symbols else []
        return [self.news_gateway, self.service, self.poller, *scheduled]

    async def aclose(self) -> None:
        await self.news_gateway.stop()
        close = getattr(self.model, "aclose", None)
        if close is not None:
            await close()


def bar_source(engine: AsyncEngine, gateway: MarketDataGateway | None) -> Any:
    """Bars for plans: stored bars when there are enough, else the market-data gateway's."""
    stored = BarRepository(engine)

    async def bars(instrument: Instrument, interval: str, start_ns: int, end_ns: int) -> list[Bar]:
        found = await stored.query(instrument.symbol, interval, start_ns, end_ns)
        if len(found) >= 60 or gateway is None:
            return found
        return await gateway.bars(instrument, interval, start_ns, end_ns)

    return bars


def rate_source(gateway: MarketDataGateway | None) -> Any:
    async def rate(quote: str, account: str) -> float:
        if quote == account:
            return 1.0
        if gateway is None:
            raise NotAvailable(f"no market data to convert {quote} into {account}")
        try:
            return (await gateway.latest(forex(f"{quote}/{account}"))).price
        except FreerideError:
            return 1.0 / (await gateway.latest(forex(f"{account}/{quote}"))).price

    return rate


async def build_research(
    settings: Settings,
    bus: Bus,
    engine: AsyncEngine,
    clock: Clock,
    market: MarketDataGateway | None,
    *,
    store: SecretStore | None = None,
    transports: Transports | None = None,
    instruments: Sequence[Instrument] | None = None,
) -> ResearchSetup:
    r = settings.research
    sources, notes = build_sources(settings, clock, store, transports)
    symbols = list(instruments) if instruments is not None else research_symbols(settings)
    offline = OfflineModel()
    model = build_model(settings, clock, store, transports)
    if isinstance(model, OfflineModel):
        model = offline
    cap = r.openai.daily_cap_usd if r.model == "openai" else None
    news_repo = SqlNewsRepository(engine)
    scorer = Scorer(
        model,
        await build_cache(settings, engine, clock),
        clock,
        bus=bus,
        config=ScorerConfig(ttl_s=r.cache_ttl_s, daily_cap_usd=cap),
        usage=SqlUsageRepository(engine),
        offline=offline,
    )
    service = ResearchService(
        bus,
        clock,
        Linker(symbols, r.links),
        StoryClusterer(ClusterConfig(threshold=r.cluster_threshold)),
        scorer,
        news_repo,
    )
    gateway = NewsGateway(sources, bus, clock, market=market)
    poller = NewsPoller(gateway, bus, clock, symbols, interval_s=r.poll_interval_s, lookback_s=r.lookback_s)
    p = r.plans
    plans = PlanService(
        SqlPlanRepository(engine),
        news_repo,
        bar_source(engine, market),
        rate_source(market),
        clock,
        bus,
        PlanServiceConfig(
            plan=PlanConfig(
                equity=p.equity,
                risk_fraction=p.risk_fraction,
                account_currency=p.account_currency,
                expiry_bars=p.expiry_bars,
            ),
            interval=p.interval,
            history_bars=p.history_bars,
            post_to=tuple(p.post_to),
        ),
    )
    scheduler = PlanScheduler(plans, clock, [parse_instrument(s).symbol for s in p.symbols], p.every_s)
    return ResearchSetup(service, plans, gateway, poller, model, offline, news_repo, engine, scheduler, notes)


__all__ = [
    "ResearchSetup",
    "Transports",
    "build_model",
    "build_research",
    "build_sources",
    "research_symbols",
]
