"""What ``freeride news``, ``sentiment``, ``plan`` and ``plans`` do, as async functions over Settings.

Each opens the database once (migrated), builds the market-data gateway and research from the
same settings a running service uses, does its one job and closes everything again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from freeride.app.alerts import build_notifiers
from freeride.app.database import open_database
from freeride.app.gateway import MarketDataSetup, build_market_data
from freeride.app.research import ResearchSetup, Transports, build_research
from freeride.app.secrets import extra_secret_stores
from freeride.bus.memory import InMemoryBus
from freeride.config.secrets import build_secret_store
from freeride.config.settings import Settings
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.instruments import Instrument, parse_instrument
from freeride.core.plans import PlanOutcome, TradePlan
from freeride.core.sentiment import Sentiment, StorySentiment
from freeride.notify.relay import OutboxRelay, RelayConfig
from freeride.ports.sentiment import ScoreRequest
from freeride.research.plans.evaluate import TrackRecord
from freeride.storage.repositories import ChannelStateRepository, OutboxRepository


@dataclass
class Session:
    research: ResearchSetup
    market: MarketDataSetup
    notes: list[str]


@asynccontextmanager
async def research_session(
    settings: Settings, clock: Clock, transports: Transports | None = None
) -> AsyncIterator[Session]:
    async with open_database(settings.database_url) as engine:
        bus = InMemoryBus(clock)
        store = build_secret_store(settings, extra_secret_stores(settings), warn=False)
        market = build_market_data(settings, bus, clock, store=store, transports=transports)
        research = await build_research(
            settings, bus, engine, clock, market.gateway, store=store, transports=transports
        )
        notes = [*market.notes, *research.notes]
        try:
            yield Session(research, market, notes)
        finally:
            await research.aclose()
            await market.gateway.stop()


async def fetch_news(
    settings: Settings,
    clock: Clock,
    symbols: Sequence[str],
    since_s: float,
    transports: Transports | None = None,
) -> tuple[list[StorySentiment], list[str]]:
    """Ask every source for ``symbols`` (and market news), score what is new, and return the stored
    stories about ``symbols`` published since then, newest first."""
    instruments = [parse_instrument(s) for s in symbols]
    now = clock.now_ns()
    since = now - int(since_s * NS_PER_SECOND)
    async with research_session(settings, clock, transports) as s:
        items = []
        for instrument in [None, *instruments]:
            fetched = await s.research.news_gateway.fetch(instrument, since, now + 1)
            items.extend(fetched.items)
            s.notes.extend(f"{name}: {why}" for name, why in fetched.skipped.items())
        await s.research.service.ingest(sorted(items, key=lambda i: (i.ts_event, i.key)))
        stories: dict[str, StorySentiment] = {}
        asked: list[str | None] = [i.symbol for i in instruments] or [None]
        for symbol in asked:
            for story in await s.research.news.stories(symbol, since, 500):
                stories[story.story_id] = story
        return sorted(stories.values(), key=lambda x: x.ts_event, reverse=True), s.notes


async def score_texts(
    settings: Settings, clock: Clock, texts: Sequence[str], *, llm: bool, transports: Transports | None = None
) -> tuple[list[Sentiment], list[Sentiment | str] | None]:
    """The offline model's reading of each text and, with ``llm``, the configured model's (or why not)."""
    async with research_session(settings, clock, transports) as s:
        offline = [s.research.offline.analyse(t) for t in texts]
        if not llm or s.research.model is s.research.offline:
            return offline, None
        results = await s.research.model.score([ScoreRequest(id=str(n), text=t) for n, t in enumerate(texts)])
        by_id = {r.id: r for r in results}
        other: list[Sentiment | str] = []
        for n in range(len(texts)):
            r = by_id.get(str(n))
            other.append(
                r.sentiment if r is not None and r.sentiment is not None else (r.problem if r else "missing")
            )
        return offline, other


async def make_plans(
    settings: Settings,
    clock: Clock,
    symbols: Sequence[str],
    post_to: Sequence[str] | None,
    transports: Transports | None = None,
) -> tuple[list[TradePlan], list[str]]:
    async with research_session(settings, clock, transports) as s:
        made = [await s.research.plans.plan(symbol, post_to=post_to) for symbol in symbols]
        if post_to:
            s.notes.extend(await _deliver(settings, clock, s, post_to, transports))
        if s.market.simulated:
            s.notes.append(
                "no market-data provider is usable: the bars come from the simulator, not a market"
            )
        return made, s.notes


async def _deliver(
    settings: Settings, clock: Clock, s: Session, channels: Sequence[str], transports: Transports | None
) -> list[str]:
    """Hand the new plans' outbox rows to their channels now, one delivery round each; what is not
    delivered stays in the outbox for a running engine's relay."""
    engine = s.research.engine
    notifiers = build_notifiers(settings, clock, transports)
    relay = OutboxRelay(
        OutboxRepository(engine),
        notifiers,
        InMemoryBus(clock),
        clock,
        RelayConfig(),
        states=ChannelStateRepository(engine),
    )
    notes = []
    try:
        for channel in dict.fromkeys(channels):
            if channel not in notifiers:
                notes.append(f"{channel}: not a configured channel; the plan waits in the outbox")
                continue
            await relay.deliver_due(channel)
            notes.append(
                f"posted to {channel}"
                if relay.sent
                else f"{channel}: not delivered yet; it stays in the outbox"
            )
    finally:
        for n in notifiers.values():
            await n.aclose()
    return notes


async def list_plans(
    settings: Settings, clock: Clock, symbol: str | None, active_only: bool
) -> list[tuple[TradePlan, PlanOutcome | None]]:
    async with research_session(settings, clock) as s:
        return await s.research.plans.plans.find(symbol, active_only=active_only)


async def evaluate_plans(
    settings: Settings, clock: Clock, symbol: str | None, transports: Transports | None = None
) -> tuple[list[tuple[TradePlan, PlanOutcome]], TrackRecord]:
    async with research_session(settings, clock, transports) as s:
        return await s.research.plans.evaluate(symbol)


def instrument_of(symbol: str) -> Instrument:
    return parse_instrument(symbol)
