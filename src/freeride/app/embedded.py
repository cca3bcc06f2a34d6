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
from pathlib import Path
from typing import Any, Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp

from freeride.adapters.paper.broker import PaperBroker
from freeride.adapters.replay import ReplayFeed, ReplaySource
from freeride.app.alerts import build_alerts
from freeride.app.api import ApiServer, ApiState, build_api_state, serve_discord, trusted_proxies
from freeride.app.discord import discord_posting
from freeride.app.equity_marks import EquityMarks
from freeride.app.execution import replay_order_manager
from freeride.app.gateway import build_market_data
from freeride.app.ops import build_ops
from freeride.app.research import build_research
from freeride.app.runtime import Runtime
from freeride.app.serving import Serving
from freeride.app.sleeves import paper_exchanges, strategy_hosts
from freeride.app.summary import InstrumentSummary, RunSummary
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.settings import Settings
from freeride.config.trading import SleeveSettings
from freeride.config.urls import mask_url
from freeride.core.clock import Clock
from freeride.core.errors import InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.core.market import Bar
from freeride.core.orders import Fill
from freeride.core.system import Level, SystemEvent
from freeride.exchange.engine import SimulatedExchange
from freeride.execution.manager import OrderManager
from freeride.execution.strategy_host import StrategyHost
from freeride.ports.bus import Overflow
from freeride.storage.recorder import MARKET_AND_SYSTEM_TOPICS, Recorder
from freeride.storage.repositories import InstrumentRepository, RunRepository

log = structlog.get_logger(__name__)


class RunProgress(Protocol):
    """Where the run reports how far it is (the CLI draws a progress bar from it)."""

    def started(self, total: int, feed_name: str) -> None: ...

    def advanced(self, bar: Bar) -> None: ...


@dataclass
class _Sleeve:
    """One sleeve's strategy with the paper account it trades from, and what it has done."""

    settings: SleeveSettings
    exchange: SimulatedExchange
    host: StrategyHost
    starting_cash: Decimal
    bars: int = 0
    fills: int = 0


def run_id_for(settings: Settings, sources: list[ReplaySource]) -> str:
    """Same inputs, same id: the run settings, the sleeves and the content of every data file."""
    decisive = {
        "run": settings.run.model_dump(mode="json"),
        "sleeves": [s.model_dump(mode="json") for s in settings.trading_sleeves()],
    }
    digest = hashlib.sha256(json.dumps(decisive, sort_keys=True).encode())
    for source in sources:
        digest.update(source.path.read_bytes())
    return f"run-{digest.hexdigest()[:16]}"


def replay_sources(sleeves: list[SleeveSettings]) -> list[ReplaySource]:
    """Each sleeve's bars file, once per (file, symbol, interval); a sleeve without one is refused."""
    sources: dict[tuple[Path, str, str], ReplaySource] = {}
    for sleeve in sleeves:
        path = sleeve.data_file()
        if path is None:
            raise InvalidInput(
                f"sleeve {sleeve.name} has no bars to replay: set its path (or shipped) to a CSV or "
                "Parquet file, or trade it live with freeride live"
            )
        key = (path, sleeve.symbol, sleeve.interval)
        sources.setdefault(key, ReplaySource(path=path, symbol=sleeve.symbol, interval=sleeve.interval))
    return list(sources.values())


async def run_embedded(
    settings: Settings,
    clock: Clock,
    progress: RunProgress | None = None,
    serve: Callable[[ApiState], ASGIApp] | None = None,
    serving: Serving | None = None,
    *,
    signals: bool = False,
) -> RunSummary:
    """Run the whole job once over the configured sleeves' files and return its summary.

    ``serve`` builds the HTTP app from the API state (the API layer sits above this one, so the
    caller passes its factory); with it and ``api.enabled`` the API runs while the job does.
    ``serving`` (the CLI's default) serves the API whatever ``api.enabled`` says, announces a
    login token, keeps serving after the feed until interrupted and makes the first Ctrl-C or
    SIGTERM stop the run cleanly (the summary still comes back). ``signals`` does the same
    without serving (the CLI's ``--exit-when-done``).
    """
    started = time.perf_counter()
    sleeve_settings = settings.trading_sleeves()
    sources = replay_sources(sleeve_settings)
    feed = ReplayFeed(sources, clock, speed=settings.run.speed)
    total = feed.load()  # every file is checked before anything is stored or traded
    run_id = run_id_for(settings, sources)

    async with Runtime.open(settings, clock, signals=signals or serving is not None) as rt:
        engine, bus = rt.engine, rt.bus
        await _store_instruments(engine, sleeve_settings)
        runs = RunRepository(engine)
        await runs.reset(run_id)
        await runs.begin(run_id, name="embedded", config=_run_config(settings), started_at=clock.now_ns())
        # Orders, fills and positions are the order manager's to store; the recorder keeps the rest.
        recorder = Recorder(
            engine,
            bus.subscribe_queue(
                MARKET_AND_SYSTEM_TOPICS,
                name="recorder",
                maxsize=settings.bus.queue_size,
                overflow=Overflow.PAUSE_SOURCE,
            ),
            run_id,
            clock=clock,
        )
        exchanges = paper_exchanges(settings, sleeve_settings)
        sleeves = [
            _Sleeve(
                settings=s, exchange=exchanges[s.account], host=host, starting_cash=settings.run.starting_cash
            )
            for s, host in zip(sleeve_settings, strategy_hosts(sleeve_settings, bus, clock), strict=True)
        ]
        brokers = {
            account: PaperBroker(exchange, clock, name=exchange.config.name)
            for account, exchange in exchanges.items()
        }
        fed: set[tuple[str, str, str]] = set()
        for sleeve in sleeves:
            s = sleeve.settings
            bar_topic = topics.bar(s.symbol, s.interval)
            if (s.account, s.symbol, s.interval) not in fed:
                # the broker sees each bar first, so orders from the previous bar fill at this bar's open
                bus.subscribe(bar_topic, brokers[s.account].on_bar, priority=-100)
                fed.add((s.account, s.symbol, s.interval))
            bus.subscribe(topics.fill(s.symbol), _fill_counter(sleeve))
            bus.subscribe(bar_topic, _bar_counter(sleeve))
        by_strategy = {s.host.strategy.id: brokers[s.settings.account] for s in sleeves}
        router = replay_order_manager(settings, engine, bus, clock, run_id, dict(by_strategy))
        alerts = build_alerts(settings, bus, engine, clock) if settings.alerts.enabled else None
        rt.add(recorder)
        accounts = {account: exchange.portfolio for account, exchange in exchanges.items()}
        # marked under the names the brokers publish their own states with ("paper:<account>")
        rt.add(EquityMarks(bus, clock, {e.config.name: e.portfolio for e in exchanges.values()}))
        ops = build_ops(settings, bus, engine, clock, role="run")
        ops.watch_recorder(recorder)
        rt.add_all(ops.components)
        rt.add_all(alerts.components if alerts else [])
        posting = await discord_posting(settings, bus, clock, alerts)
        rt.add_all([posting.poster] if posting else [])
        rt.add(router)
        rt.add_all(s.host for s in sleeves)
        server = None
        if serve is not None and (settings.api.enabled or serving is not None):
            # Quotes and bars for symbols the replay does not carry come through the gateway
            # (the simulator when no provider key is set); it publishes nothing unless asked.
            market = build_market_data(settings, bus, clock)
            state = build_api_state(
                settings,
                engine,
                clock,
                bus,
                alerts,
                run_id=run_id,
                accounts=accounts,
                gateway=market.gateway,
                metrics=ops.metrics,
            )
            # research serves stored stories and plans from the replay's bars; a replay polls no news
            state.research = await build_research(settings, bus, engine, clock, market.gateway)
            state.broker = "paper"
            state.feed = feed.name
            rt.add(market.gateway)
            rt.add_all([state.research.news_gateway, state.research.service])
            serve_discord(state, posting)
            server = rt.add(
                ApiServer(serve(state), settings.api, clock, trusted_proxies=trusted_proxies(settings))
            )
        await rt.start()
        if server is not None and serving is not None:
            await serving.opened(engine, clock, server.url)
        _system(bus, clock, "run_started", f"run {run_id} started: {feed.name}, {total} bars")
        if progress is not None:
            progress.started(total, feed.name)
        try:
            await rt.run(_pump(feed, bus, router, progress), hold=serving is not None and serving.hold)
        finally:
            _system(
                bus, clock, "run_finished", f"run {run_id} finished after {sum(s.bars for s in sleeves)} bars"
            )
            if serving is not None:
                await serving.closed(clock)
            await rt.stop()
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


async def _pump(
    feed: ReplayFeed, bus: InMemoryBus, router: OrderManager, progress: RunProgress | None
) -> None:
    """Publish each bar, then let the orders it caused reach the broker before the next bar (on
    a bus between processes, ``settled`` first waits for the bar and what it caused to come back)."""
    publish = bus.publish
    orders = router.queue
    async for bar in feed.bars():
        publish(topics.bar(bar.symbol, bar.interval), bar)
        await bus.settled()
        if orders.pending:
            await orders.wait_idle()
            await bus.settled()
        await bus.ready()
        if progress is not None:
            progress.advanced(bar)


async def _store_instruments(engine: AsyncEngine, sleeves: list[SleeveSettings]) -> None:
    instruments = InstrumentRepository(engine)
    for symbol in dict.fromkeys(s.symbol for s in sleeves):
        await instruments.upsert(parse_instrument(symbol))


def _run_config(settings: Settings) -> dict[str, Any]:
    return {
        **settings.run.model_dump(mode="json"),
        "sleeves": [s.model_dump(mode="json") for s in settings.trading_sleeves()],
    }


def _bar_counter(sleeve: _Sleeve) -> Callable[[object], None]:
    def count(_bar: object) -> None:
        sleeve.bars += 1

    return count


def _fill_counter(sleeve: _Sleeve) -> Callable[[Fill], None]:
    strategy = sleeve.host.strategy.id

    def count(fill: Fill) -> None:
        if fill.strategy == strategy:
            sleeve.fills += 1

    return count


def _summarise(sleeve: _Sleeve) -> InstrumentSummary:
    portfolio = sleeve.exchange.portfolio
    symbol = sleeve.settings.symbol
    holding = portfolio.holding(symbol)
    return InstrumentSummary(
        symbol=symbol,
        interval=sleeve.settings.interval,
        currency=portfolio.currency,
        bars=sleeve.bars,
        trades=holding.trades_opened,
        fills=sleeve.fills,
        commission=holding.commission,
        pnl=portfolio.pnl(symbol),
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
