"""The embedded main job: replay → bus → strategies → paper brokers → storage, in one process.

Everything is wired here and only here; the components know each other only through the bus.
A run's id is derived from its inputs (settings of the run and the bytes of every data file), so
running the same thing twice replaces that run's stored rows instead of adding a copy.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp

from freeride.adapters.paper.broker import PaperBroker
from freeride.adapters.replay import ReplayFeed, ReplaySource
from freeride.app.alerts import build_alerts
from freeride.app.api import ApiServer, ApiState, build_api_state
from freeride.app.execution import replay_order_manager
from freeride.app.gateway import build_market_data
from freeride.app.serving import Serving
from freeride.app.summary import InstrumentSummary, RunSummary
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.settings import Settings
from freeride.config.urls import mask_url
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.instruments import parse_instrument
from freeride.core.market import Bar
from freeride.core.system import Level, SystemEvent
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.execution.manager import OrderManager
from freeride.execution.strategy_host import StrategyHost
from freeride.ports.bus import Overflow
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade
from freeride.storage.recorder import RECORDED_TOPICS, Recorder
from freeride.storage.repositories import InstrumentRepository, RunRepository
from freeride.strategies.registry import build_strategy

log = structlog.get_logger(__name__)


class RunProgress(Protocol):
    """Where the run reports how far it is (the CLI draws a progress bar from it)."""

    def started(self, total: int, feed_name: str) -> None: ...

    def advanced(self, bar: Bar) -> None: ...


@dataclass
class _Sleeve:
    """One instrument's strategy with its own paper account."""

    symbol: str
    interval: str
    starting_cash: Decimal
    exchange: SimulatedExchange
    host: StrategyHost
    bars: int = 0
    fills: int = 0


def run_id_for(settings: Settings, sources: list[ReplaySource]) -> str:
    """Same inputs, same id: the run settings and the content of every data file."""
    digest = hashlib.sha256(json.dumps(settings.run.model_dump(mode="json"), sort_keys=True).encode())
    for source in sources:
        digest.update(source.path.read_bytes())
    return f"run-{digest.hexdigest()[:16]}"


async def run_embedded(
    settings: Settings,
    clock: Clock,
    progress: RunProgress | None = None,
    serve: Callable[[ApiState], ASGIApp] | None = None,
    serving: Serving | None = None,
) -> RunSummary:
    """Run the whole job once over the configured feeds and return its summary.

    ``serve`` builds the HTTP app from the API state (the API layer sits above this one, so the
    caller passes its factory); with it and ``api.enabled`` the API runs while the job does.
    ``serving`` (the CLI's default) serves the API whatever ``api.enabled`` says, announces a
    login token and keeps serving after the feed until interrupted.
    """
    started = time.perf_counter()
    run = settings.run
    sources = [ReplaySource(path=f.resolve_path(), symbol=f.symbol, interval=f.interval) for f in run.feeds]
    feed = ReplayFeed(sources, clock, speed=run.speed)
    total = feed.load()  # every file is checked before anything is stored or traded
    run_id = run_id_for(settings, sources)

    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        await _store_instruments(engine, settings)
        runs = RunRepository(engine)
        await runs.reset(run_id)
        await runs.begin(
            run_id, name="embedded", config=settings.run.model_dump(mode="json"), started_at=clock.now_ns()
        )
        bus = InMemoryBus(clock)
        recorder = Recorder(
            engine,
            bus.subscribe_queue(
                RECORDED_TOPICS,
                name="recorder",
                maxsize=settings.bus.queue_size,
                overflow=Overflow.PAUSE_SOURCE,
            ),
            run_id,
            clock=clock,
        )
        sleeves = _build_sleeves(settings, bus, clock)
        brokers = {
            s.host.strategy.id: PaperBroker(s.exchange, clock, name=s.exchange.config.name) for s in sleeves
        }
        for sleeve in sleeves:
            broker = brokers[sleeve.host.strategy.id]
            # the broker sees each bar first, so orders from the previous bar fill at this bar's open
            bus.subscribe(topics.bar(sleeve.symbol, sleeve.interval), broker.on_bar, priority=-100)
            bus.subscribe(topics.fill(sleeve.symbol), _counter(sleeve, "fills"))
            bus.subscribe(topics.bar(sleeve.symbol, sleeve.interval), _counter(sleeve, "bars"))
        router = replay_order_manager(settings, engine, bus, clock, run_id, dict(brokers))
        alerts = build_alerts(settings, bus, engine, clock) if settings.alerts.enabled else None
        components: list[Component] = [
            recorder,
            *(alerts.components if alerts else []),
            router,
            *(s.host for s in sleeves),
        ]
        server = None
        if serve is not None and (settings.api.enabled or serving is not None):
            accounts = {s.symbol: s.exchange.portfolio for s in sleeves}
            # Quotes and bars for symbols the replay does not carry come through the gateway
            # (the simulator when no provider key is set); it publishes nothing unless asked.
            market = build_market_data(settings, bus, clock)
            state = build_api_state(
                settings, engine, clock, bus, alerts, run_id=run_id, accounts=accounts, gateway=market.gateway
            )
            server = ApiServer(serve(state), settings.api, clock)
            components += [market.gateway, server]
        for component in components:
            await component.start()
        if server is not None and serving is not None:
            await serving.opened(engine, clock, server.url)
        _system(bus, clock, "run_started", f"run {run_id} started: {feed.name}, {total} bars")
        if progress is not None:
            progress.started(total, feed.name)
        try:
            if serving is None:
                await _pump(feed, bus, router, progress)
            else:  # Ctrl-C during the feed or after it stops the run the same clean way
                await serving.feed(_pump(feed, bus, router, progress))
                await serving.wait()
        finally:
            _system(
                bus, clock, "run_finished", f"run {run_id} finished after {sum(s.bars for s in sleeves)} bars"
            )
            if serving is not None:
                await serving.closed(clock)
            for component in reversed(components):
                await component.stop()
        summary = RunSummary(
            run_id=run_id,
            database=mask_url(settings.database_url),
            instruments=tuple(_summarise(s) for s in sleeves),
            events_published=bus.published,
            handler_failures=bus.handler_failures,
            wall_seconds=time.perf_counter() - started,
        )
        await runs.finish(run_id, finished_at=clock.now_ns(), summary=summary.to_json())
        return summary
    finally:
        await engine.dispose()


async def _pump(
    feed: ReplayFeed, bus: InMemoryBus, router: OrderManager, progress: RunProgress | None
) -> None:
    """Publish each bar, then let the orders it caused reach the broker before the next bar."""
    publish = bus.publish
    orders = router.queue
    async for bar in feed.bars():
        publish(topics.bar(bar.symbol, bar.interval), bar)
        if orders.pending:
            await orders.wait_idle()
        await bus.ready()
        if progress is not None:
            progress.advanced(bar)


async def _store_instruments(engine: AsyncEngine, settings: Settings) -> None:
    instruments = InstrumentRepository(engine)
    for feed in settings.run.feeds:
        await instruments.upsert(parse_instrument(feed.symbol))


def _build_sleeves(settings: Settings, bus: InMemoryBus, clock: Clock) -> list[_Sleeve]:
    run = settings.run
    sleeves = []
    for feed in run.feeds:
        instrument = parse_instrument(feed.symbol)
        strategy = build_strategy(
            run.strategy,
            f"{run.strategy}:{instrument.symbol}",
            instrument.symbol,
            {"fast": run.fast, "slow": run.slow, "quantity": feed.quantity},
        )
        exchange = SimulatedExchange(
            Portfolio(cash=run.starting_cash, currency=instrument.quote_currency),
            ExchangeConfig(
                commission=PercentCommission(run.commission_rate), name=f"paper:{instrument.symbol}"
            ),
        )
        sleeves.append(
            _Sleeve(
                symbol=instrument.symbol,
                interval=feed.interval,
                starting_cash=run.starting_cash,
                exchange=exchange,
                host=StrategyHost(strategy, bus, clock, interval=feed.interval),
            )
        )
    return sleeves


def _counter(sleeve: _Sleeve, attr: str) -> Callable[[object], None]:
    def count(_event: object) -> None:
        setattr(sleeve, attr, getattr(sleeve, attr) + 1)

    return count


def _summarise(sleeve: _Sleeve) -> InstrumentSummary:
    portfolio = sleeve.exchange.portfolio
    holding = portfolio.holding(sleeve.symbol)
    return InstrumentSummary(
        symbol=sleeve.symbol,
        interval=sleeve.interval,
        currency=portfolio.currency,
        bars=sleeve.bars,
        trades=holding.trades_opened,
        fills=sleeve.fills,
        commission=holding.commission,
        pnl=portfolio.pnl(sleeve.symbol),
        starting_cash=sleeve.starting_cash,
        final_equity=portfolio.equity,
        position=holding.quantity,
    )


def _system(bus: InMemoryBus, clock: Clock, kind: str, message: str) -> None:
    now = clock.now_ns()
    log.info(f"run.{kind}", message=message)
    bus.publish(
        topics.system(Level.INFO, "run"),
        SystemEvent(source="run", kind=kind, level=Level.INFO, message=message, ts_event=now, ts_init=now),
    )
