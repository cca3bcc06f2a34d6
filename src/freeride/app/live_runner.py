"""Live trading: the market-data gateway → bars → strategies → order manager → broker, in one process.

The components are the ones ``freeride run`` replays through (the same ``build_strategy`` call,
the same ``StrategyHost``, the same order manager and paper matching engine); only the source of
events (the gateway's streams or poller instead of files) and the clock differ.

Ids. Each start gets a run row ``live-<broker>-<UTC start, YYYYMMDDTHHMMSSZ>-<hash>``, the hash
being the first 8 hex digits of SHA-256 over what decides the trading (run settings, enabled
providers and simulator seed, broker, account, risk limits); bars and system events are recorded
under it. Orders, fills and positions are the order manager's ledger: with a real broker that is
``execution.run_id()`` (``live-<broker>-<account>``), the same on every start so every restart
reconciles against the broker; the paper broker's account lives only as long as the process, so
its ledger is the run's own id (a ledger shared across runs would disagree with each new,
empty paper account and halt trading at the reconciliation on start).

Serving. With ``serve`` (the HTTP app's factory: the API layer sits above this one) and
``serving`` or ``api.enabled``, the API and dashboard run beside the trading, over the same bus,
storage and gateway (quotes the bus has not priced and bars storage lacks are asked of it), with
the ledger's run as the default for per-run reads. ``serving`` announces a login token once the
server listens and revokes it when the run stops, as ``freeride run`` does.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp

from freeride.app import price_source
from freeride.app.alerts import AlertsSetup, build_alerts
from freeride.app.api import ApiServer, ApiState, build_api_state, serve_discord, trusted_proxies
from freeride.app.brokers import build_broker
from freeride.app.continuity import (
    PaperAccount,
    WarmUp,
    open_paper_account,
    read_ledger,
    resume_strategies,
    warm_up,
)
from freeride.app.discord import discord_posting
from freeride.app.equity_marks import EquityMarks
from freeride.app.execution import build_execution
from freeride.app.gateway import Transports, build_market_data
from freeride.app.live_status import LiveStatus, LiveSummary
from freeride.app.market_feed import live_feed
from freeride.app.markets import load_market_hours
from freeride.app.ops import build_ops
from freeride.app.research import build_research
from freeride.app.runtime import Runtime
from freeride.app.secrets import extra_secret_stores
from freeride.app.serving import Serving
from freeride.app.sleeves import strategy_hosts
from freeride.app.symbols import (
    is_unslashed_pair,
    shipped_directory,
    stored_symbols,
    symbol_book,
    unknown_in_settings,
)
from freeride.bus import topics
from freeride.config.secrets import build_secret_store
from freeride.config.settings import Settings
from freeride.config.trading import SleeveSettings
from freeride.config.urls import mask_url
from freeride.core.clock import NS_PER_SECOND, Clock, LiveClock, ScaledClock, ns_to_datetime
from freeride.core.component import ComponentState
from freeride.core.errors import FreerideError, InvalidInput
from freeride.core.instruments import Instrument, parse_instrument
from freeride.core.system import Level, SystemEvent
from freeride.gateway.bars import LiveBars
from freeride.gateway.market_hours import CalendarMarketHours
from freeride.gateway.watch import SymbolSource, WatchSet
from freeride.ports.broker import Broker, BrokerAccount
from freeride.ports.bus import Bus, Overflow
from freeride.ports.watchlists import SymbolLookup
from freeride.storage.recorder import MARKET_AND_SYSTEM_TOPICS, Recorder
from freeride.storage.repositories import InstrumentRepository, RunRepository
from freeride.storage.repositories.watchlists import WatchlistRepository
from freeride.strategies.plan_follower import PlanFollower

log = structlog.get_logger(__name__)

# A tick stamped just before a boundary may reach us just after it: the clock closes a quiet bar
# this long after its interval ends (a tick of the next interval closes it at once).
BAR_CLOSE_GRACE_S = 1.0


def live_run_id(settings: Settings, started_ns: int) -> str:
    """``live-<broker>-<UTC start>-<hash of the trading settings>`` (see the module docstring)."""
    ex = settings.execution
    decisive = {
        "run": settings.run.model_dump(mode="json"),
        "providers": settings.providers.enabled,
        "seed": settings.providers.simulator_seed,
        "broker": ex.broker,
        "account": ex.account,
        "risk": ex.risk.model_dump(mode="json"),
    }
    digest = hashlib.sha256(json.dumps(decisive, sort_keys=True).encode()).hexdigest()[:8]
    stamp = ns_to_datetime(started_ns).strftime("%Y%m%dT%H%M%SZ")
    return f"live-{ex.broker}-{stamp}-{digest}"


async def run_live(
    settings: Settings,
    clock: Clock,
    *,
    until: asyncio.Event | None = None,
    max_seconds: float | None = None,
    status: LiveStatus | None = None,
    transports: Transports | None = None,
    serve: Callable[[ApiState], ASGIApp] | None = None,
    serving: Serving | None = None,
    signals: bool = False,
    fresh: bool = False,
    simulated_only: bool = False,
    offline: bool = False,
) -> LiveSummary:
    """Trade the configured sleeves live until ``until`` is set, ``max_seconds`` of the clock have
    passed or (with ``signals``) the first Ctrl-C or SIGTERM, and return what happened.

    ``status`` is filled while running (the CLI's live view); ``transports`` replaces the market
    data network (tests pass fakes); ``serve`` and ``serving``: see the module docstring.
    ``fresh`` opens a new paper account, moving the old one's ledger aside (``app.continuity``).
    ``simulated_only`` refuses to start on real prices (a clock running faster than the wall's).
    ``offline`` takes prices from the simulator whatever keys are set; without it and without any
    key, Yahoo is asked once whether the network answers (``app.price_source``).
    """
    status = status if status is not None else LiveStatus()
    started = clock.now_ns()
    sleeves = settings.trading_sleeves()
    instruments = list({s.symbol: parse_instrument(s.symbol) for s in sleeves}.values())
    # the exchange calendars load in a child process, and Yahoo is asked whether the network
    # answers, while the database opens: on a restart these are most of the time to the first decision
    loading_hours = asyncio.ensure_future(load_market_hours(settings, started))
    choosing = asyncio.ensure_future(
        price_source.settle(price_source.offline(settings))
        if offline
        else price_source.choose(
            settings, clock, instruments, transports=transports, simulated=simulated_only
        )
    )
    try:
        return await _run(
            settings, clock, loading_hours, choosing, started, status, sleeves, instruments,
            until=until, max_seconds=max_seconds, transports=transports, serve=serve, serving=serving,
            signals=signals, fresh=fresh, simulated_only=simulated_only,
        )  # fmt: skip
    finally:
        for pending in (loading_hours, choosing):
            if not pending.done():
                pending.cancel()
        await asyncio.gather(loading_hours, choosing, return_exceptions=True)


async def _run(
    settings: Settings,
    clock: Clock,
    loading_hours: asyncio.Future[CalendarMarketHours],
    choosing: asyncio.Future[price_source.PriceSource],
    started: int,
    status: LiveStatus,
    sleeves: list[SleeveSettings],
    instruments: list[Instrument],
    *,
    until: asyncio.Event | None,
    max_seconds: float | None,
    transports: Transports | None,
    serve: Callable[[ApiState], ASGIApp] | None,
    serving: Serving | None,
    signals: bool,
    fresh: bool,
    simulated_only: bool,
) -> LiveSummary:
    async with Runtime.open(settings, clock, signals=signals) as rt:
        engine, bus = rt.engine, rt.bus
        source = await choosing  # before anything is stored: no network and no key stops here
        settings = source.settings
        run_id = live_run_id(settings, started)
        symbol_notes = await _check_symbols(settings, engine)
        await _store_instruments(engine, instruments)
        runs = RunRepository(engine)
        await runs.begin(run_id, name="live", config=_run_config(settings), started_at=started)
        status.attach(bus)
        store = build_secret_store(settings, extra_secret_stores(settings), warn=False)
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
        # one symbol check for the alerts and the API; the providers' searches join once built
        symbols = symbol_book(settings, engine)
        alerts = (
            build_alerts(settings, bus, engine, clock, symbols=symbols) if settings.alerts.enabled else None
        )
        paper = None
        if settings.execution.broker == "paper":
            paper = await open_paper_account(engine, settings, clock, fresh=fresh)
            broker: Broker = paper.broker
        else:
            broker = build_broker(settings, clock, store)
        execution = build_execution(
            settings, engine, bus, clock, broker, alerts.outbox if alerts is not None else None
        )
        hours = await loading_hours
        market = build_market_data(settings, bus, clock, store=store, transports=transports, hours=hours)
        symbols.add_lookups([p for p in market.gateway.providers if isinstance(p, SymbolLookup)])
        if simulated_only and not market.simulated:
            raise InvalidInput(
                "--speed and --from need simulated prices, and a provider has a key; "
                "set FREERIDE_PROVIDERS__ENABLED=simulator for a simulated day"
            )
        specs = [(s.symbol, s.interval) for s in sleeves]
        bars = LiveBars(specs, bus, clock, grace_s=BAR_CLOSE_GRACE_S, hours=hours)
        hosts = strategy_hosts(sleeves, bus, clock)
        feed = live_feed(market, bus, clock, instruments, hours)
        # what is streamed, for the API's market view: the sleeves, then what the watch set adds
        streamed = list(
            {i.symbol: i for i in [*instruments, *map(parse_instrument, settings.watched_symbols())]}.values()
        )
        watch = WatchSet(
            feed,
            _watch_sources(settings, alerts, WatchlistRepository(engine)),
            clock,
            on_added=lambda added: _extend(streamed, added, status),
            bars=bars,
            series=alerts.engine.bar_series if alerts is not None else None,
        )
        status.run_id, status.broker, status.started_ns = run_id, broker.name, started
        status.simulated, status.notes = market.simulated, [*market.notes, *symbol_notes]
        if source.note is not None:
            status.notes.insert(0, source.note)
        status.hours, status.instruments = hours, instruments
        status.streamed = [i.symbol for i in streamed]
        if paper is not None:
            status.notes.append(_paper_note(paper))
        # the core (storage, alerts, execution, the gateway) starts first and stops last: the
        # broker's account is read, strategies resume and warm up before the front trades
        rt.add(recorder)
        # named as the paper broker publishes its own states ("paper:<account>"), chart and table alike
        accounts = (
            {} if paper is None else {paper.broker.exchange.config.name: paper.broker.exchange.portfolio}
        )
        rt.add(EquityMarks(bus, clock, accounts, mark_at_start=True))
        ops = build_ops(
            settings, bus, engine, clock, role="live", hours=hours, symbols=[i.symbol for i in instruments]
        )
        ops.watch_gateway(market.gateway)
        ops.watch_recorder(recorder)
        rt.add_all(ops.components)
        rt.add_all(alerts.components if alerts else [])
        posting = await discord_posting(settings, bus, clock, alerts)
        rt.add_all([posting.poster] if posting else [])
        rt.add_all(execution.components)
        rt.add(market.gateway)
        core = len(rt.components)
        rt.add_all([*hosts, bars, feed, watch])
        research = (
            await build_research(
                settings, bus, engine, clock, market.gateway, store=store, transports=transports
            )
            if settings.research.enabled
            else None
        )
        rt.add_all(research.components if research is not None else [])
        for host in hosts:  # plan followers trade the plans this process makes
            if isinstance(host.strategy, PlanFollower):
                bus.subscribe(topics.trade_plan(host.strategy.symbol), host.strategy.add_plan)
        server: ApiServer | None = None
        # People and their browsers keep the wall's time: a sped-up market (--speed) must not make
        # tokens, sessions and the login lease expire, or a request time out, 60 times sooner.
        wall: Clock = LiveClock() if isinstance(clock, ScaledClock) else clock
        if serve is not None and (settings.api.enabled or serving is not None):
            state = build_api_state(
                settings,
                engine,
                clock,
                bus,
                alerts,
                run_id=execution.manager.run_id,
                accounts=accounts,
                gateway=market.gateway,
                metrics=ops.metrics,
                wall=wall,
                symbols=symbols,
            )
            state.broker = broker.name
            state.dead_sessions = execution.health.dead  # the same dict, kept current by the watch
            state.equity_runs = "live"  # the account's marks go on across restarts, each a new run
            state.hours = hours
            state.market_instruments = streamed  # the same list: grows as the watch set adds
            state.research = research
            serve_discord(state, posting)
            server = rt.add(
                ApiServer(serve(state), settings.api, wall, trusted_proxies=trusted_proxies(settings))
            )

        opening: BrokerAccount | None = None
        closing: BrokerAccount | None = None
        positions: dict[str, Decimal] = {}
        stopped_by = "cancelled"
        trading_from = started
        try:
            await rt.start(upto=core)
            opening = await _account(broker)
            # after reconciliation, which may have booked fills made while the service was down
            resume_strategies(hosts, await read_ledger(engine, execution.manager.run_id))
            warmed = await warm_up(hosts, engine, clock, market.gateway)
            status.notes.extend(_warm_notes(warmed))
            await rt.start()
            if server is not None and serving is not None:
                await serving.opened(engine, wall, server.url)
            _system(bus, clock, "live_started", _started_message(run_id, broker, market.simulated))
            trading_from = status.started_ns = clock.now_ns()
            if max_seconds is not None:
                status.until_ns = trading_from + round(max_seconds * NS_PER_SECOND)
            status.ready.set()
            stopped_by = await rt.run(_until(rt, clock, until, max_seconds, trading_from))
        finally:
            # trading stopped when the stop was asked for; what follows is the orderly shutdown
            ended = rt.stop_requested_ns or clock.now_ns()
            await rt.stop(keep=core)
            if execution.manager.state is ComponentState.RUNNING:
                await execution.manager.idle()
                closing = await _account(broker)
                positions = await _positions(broker)
                _system(bus, clock, "live_finished", f"live run {run_id} stopped ({stopped_by})")
            await rt.stop()
            if serving is not None:
                await serving.closed(wall)
        summary = LiveSummary(
            run_id=run_id,
            ledger_run_id=execution.manager.run_id,
            broker=broker.name,
            simulated=market.simulated,
            database=mask_url(settings.database_url),
            stopped_by=stopped_by,
            seconds=(ended - trading_from) / NS_PER_SECOND,
            bars=sum(status.bars.values()),
            signals=status.signals,
            orders=len(status.orders),
            fills=len(status.fills),
            last_prices={s: p.price for s, p in status.prices.items()},
            currency=closing.currency if closing is not None else None,
            starting_equity=opening.equity if opening is not None else None,
            equity=closing.equity if closing is not None else None,
            pnl=closing.equity - opening.equity if opening is not None and closing is not None else None,
            positions=positions,
            events_published=bus.published,
            handler_failures=bus.handler_failures,
            late_ticks=bars.late,
            notes=(*([source.note] if source.note else []), *market.notes),
            off_session_ticks=bars.off_session,
        )
        await runs.finish(run_id, finished_at=clock.now_ns(), summary=summary.to_json())
        return summary


async def _until(
    rt: Runtime, clock: Clock, until: asyncio.Event | None, max_seconds: float | None, since_ns: int
) -> None:
    """Ask the runtime to stop when ``until`` is set or ``max_seconds`` of the clock have passed
    since ``since_ns`` (then trading stopped at that deadline, however late this task wakes)."""
    deadline = None if max_seconds is None else since_ns + round(max_seconds * NS_PER_SECOND)
    left = None if deadline is None else max(0.0, (deadline - clock.now_ns()) / NS_PER_SECOND)
    reason = await _wait(clock, until, left)
    rt.request_stop(reason, deadline if reason == "max_seconds" else None)


async def _wait(clock: Clock, until: asyncio.Event | None, max_seconds: float | None) -> str:
    """Why the live run ends: ``until`` set, or ``max_seconds`` of the clock passed."""
    waiters: dict[asyncio.Future[Any], str] = {}
    if until is not None:
        waiters[asyncio.ensure_future(until.wait())] = "until"
    if max_seconds is not None:
        waiters[asyncio.ensure_future(clock.sleep(max_seconds))] = "max_seconds"
    if not waiters:
        waiters[asyncio.get_running_loop().create_future()] = "cancelled"  # runs until cancelled
    try:
        done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    return next(waiters[w] for w in waiters if w in done)


async def _check_symbols(settings: Settings, engine: AsyncEngine) -> list[str]:
    """Refuse a pair written without its slash (``EURUSD``: no market lists it, nothing would
    stream); a symbol neither the shipped directory nor the store knows is a note, with its close
    matches (it may be a ticker outside the shipped list; ``freeride doctor`` flags likely typos)."""
    stored = await stored_symbols(engine)()
    unknown = unknown_in_settings(settings, shipped_directory(), stored)
    certain = [f"{where}: {exc}" for where, exc in unknown if is_unslashed_pair(exc)]
    if certain:
        raise InvalidInput("; ".join(certain))
    notes = []
    for where, exc in unknown:
        guess = f" (did you mean {' or '.join(exc.suggestions)}?)" if exc.suggestions else ""
        notes.append(f"{where}: {exc.symbol} is not a known instrument{guess}")
    return notes


async def _store_instruments(engine: AsyncEngine, instruments: list[Instrument]) -> None:
    repo = InstrumentRepository(engine)
    for instrument in instruments:
        await repo.upsert(instrument)


def _run_config(settings: Settings) -> dict[str, Any]:
    ex = settings.execution
    return {
        "mode": "live",
        "run": settings.run.model_dump(mode="json"),
        "providers": settings.providers.enabled,
        "broker": ex.broker,
        "ledger_run_id": ex.run_id(),
    }


async def _account(broker: Broker) -> BrokerAccount | None:
    try:
        return await broker.account()
    except FreerideError as exc:
        log.warning("live.account_unavailable", broker=broker.name, error=str(exc))
        return None


async def _positions(broker: Broker) -> dict[str, Decimal]:
    try:
        return {p.symbol: p.quantity for p in await broker.positions() if p.quantity}
    except FreerideError as exc:
        log.warning("live.positions_unavailable", broker=broker.name, error=str(exc))
        return {}


def _started_message(run_id: str, broker: Broker, simulated: bool) -> str:
    source = "simulated prices (the simulator, not a market)" if simulated else "market data from the gateway"
    return f"live run {run_id} started: {source}, orders through {broker.name}"


def _system(bus: Bus, clock: Clock, kind: str, message: str) -> None:
    now = clock.now_ns()
    log.info(f"live.{kind}", message=message)
    bus.publish(
        topics.system(Level.INFO, "live"),
        SystemEvent(source="live", kind=kind, level=Level.INFO, message=message, ts_event=now, ts_init=now),
    )


def _watch_sources(
    settings: Settings, alerts: AlertsSetup | None, stored: WatchlistRepository
) -> dict[str, SymbolSource]:
    """What the live feed streams besides the sleeves: the configured and the stored watchlists
    (``freeride watch add`` or the dashboard, from any process: polled) and every alert's symbol."""

    async def stored_symbols() -> list[str]:
        return [entry.symbol for entry in await stored.entries()]

    sources: dict[str, SymbolSource] = {
        "sleeves": lambda: [s.symbol for s in settings.trading_sleeves()],
        "watchlists": settings.watched_symbols,
        "stored watchlists": stored_symbols,
    }
    if alerts is not None:
        sources["alerts"] = alerts.engine.symbols
    return sources


def _extend(streamed: list[Instrument], added: list[Instrument], status: LiveStatus) -> None:
    known = {i.symbol for i in streamed}
    streamed.extend(i for i in added if i.symbol not in known)
    status.streamed = [i.symbol for i in streamed]


def _paper_note(paper: PaperAccount) -> str:
    ledger = paper.ledger
    if paper.archived_as is not None:
        return f"paper account {ledger.run_id} started afresh; the old one is kept as {paper.archived_as}"
    if not paper.continued:
        return f"paper account {ledger.run_id} opened"
    cash = paper.broker.exchange.portfolio.cash
    return (
        f"paper account {ledger.run_id} continued: {len(ledger.fills)} fills booked, cash {cash:,.2f}, "
        f"{len(ledger.open_orders)} open orders (--fresh starts a new one)"
    )


def _warm_notes(warmed: WarmUp) -> list[str]:
    notes = [f"{sid}: warm-up short, {why}" for sid, why in sorted(warmed.short.items())]
    fetched = sum(warmed.fetched.values())
    if fetched:
        notes.append(f"warm-up: {fetched} bars fetched through the gateway")
    return notes
