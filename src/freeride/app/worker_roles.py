"""What each worker role runs: the same builders ``freeride live`` uses, one slice per process.

A role subscribes only to what its components need, so its consumer group reads only those
streams. The sharded roles (alerts, strategies) keep to the instruments their shard owns: a
strategy is hosted by the worker whose shard reads its symbol's streams.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp

from freeride.app.alerts import build_alerts, build_intake, build_relay
from freeride.app.api import ApiServer, ApiState, build_api_state, trusted_proxies
from freeride.app.brokers import build_broker
from freeride.app.continuity import open_paper_account, read_ledger, resume_strategies, warm_up
from freeride.app.execution import build_execution
from freeride.app.gateway import build_market_data
from freeride.app.lease import LeaseKeeper, holder_name, take_lease
from freeride.app.market_feed import live_feed
from freeride.app.markets import load_market_hours
from freeride.app.ops import build_ops
from freeride.app.research import build_research
from freeride.app.runtime import Runtime
from freeride.app.secrets import extra_secret_stores
from freeride.app.sleeves import strategy_hosts
from freeride.bus.redis import RedisBus
from freeride.config.secrets import build_secret_store
from freeride.core.component import Component
from freeride.core.instruments import parse_instrument
from freeride.gateway.bars import LiveBars
from freeride.ports.broker import Broker
from freeride.ports.bus import Overflow
from freeride.storage.leases import LeaseRepository
from freeride.storage.recorder import MARKET_AND_SYSTEM_TOPICS, Recorder
from freeride.storage.repositories import RunRepository

ROLES = ("gateway", "alerts", "strategies", "execution", "recorder", "notifier", "research", "bot", "api")
SHARDED = frozenset({"alerts", "strategies"})
SERVING = frozenset({"api", "bot"})
"""Roles whose own HTTP server answers ``/healthz``, ``/readyz`` and ``/metrics``."""
BAR_CLOSE_GRACE_S = 1.0


@dataclass
class Role:
    """A worker's components in start order, and what it reports about itself."""

    components: list[Component] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    waiting: str | None = None  # why the role is not running yet (its /readyz says so)


async def build_role(
    role: str, rt: Runtime, bus: RedisBus, serve: Callable[[ApiState], ASGIApp] | None = None
) -> Role | None:
    """The role's components; ``None`` when the process was asked to stop before it could start
    (an execution worker waiting for its lease)."""
    settings, engine, clock = rt.settings, rt.engine, rt.clock
    store = build_secret_store(settings, extra_secret_stores(settings), warn=False)
    ledger = settings.execution.run_id()
    sleeves = settings.trading_sleeves()
    out = Role()
    if role == "recorder":
        await _ensure_run(engine, ledger, clock.now_ns())
        queue = bus.subscribe_queue(
            MARKET_AND_SYSTEM_TOPICS,
            name="recorder",
            maxsize=settings.bus.queue_size,
            overflow=Overflow.PAUSE_SOURCE,
        )
        recorder = Recorder(engine, queue, ledger, clock=clock)
        # the journal, its retention, the process journal and the anomaly watch: one writer's job
        ops = build_ops(settings, bus, engine, clock, role="recorder")
        ops.watch_recorder(recorder)
        out.components += [recorder, *ops.components]
    elif role == "gateway":
        hours = await load_market_hours(settings, clock.now_ns())
        market = build_market_data(settings, bus, clock, store=store, hours=hours)
        symbols = dict.fromkeys([*(s.symbol for s in sleeves), *settings.watched_symbols()])
        instruments = [parse_instrument(s) for s in symbols]
        bars = LiveBars(
            [(s.symbol, s.interval) for s in sleeves], bus, clock, grace_s=BAR_CLOSE_GRACE_S, hours=hours
        )
        out.components += [market.gateway, bars, live_feed(market, bus, clock, instruments, hours)]
        out.notes += market.notes
    elif role == "strategies":
        owned = [s for s in sleeves if bus.streams.owns(s.symbol)]
        hosts = strategy_hosts(owned, bus, clock)
        resume_strategies(hosts, await read_ledger(engine, ledger))
        warmed = await warm_up(hosts, engine, clock, None)
        out.components += hosts
        out.notes.append(
            f"{len(hosts)} of {len(sleeves)} sleeve(s) on shard {bus.streams.shard}; warmed {warmed}"
        )
    elif role == "execution":
        ttl = settings.execution.lease_ttl_s
        leases = LeaseRepository(engine)
        account = settings.execution.account
        fence = await take_lease(leases, clock, account, holder_name(bus.consumer), ttl, lambda: rt.stopping)
        if fence is None:
            return None
        if settings.execution.broker == "paper":
            broker: Broker = (await open_paper_account(engine, settings, clock)).broker
        else:
            broker = build_broker(settings, clock, store)
        execution = build_execution(settings, engine, bus, clock, broker, fence=fence)
        keeper = LeaseKeeper(leases, clock, fence, ttl, rt.request_stop)
        out.components += [keeper, *execution.components]
        out.notes.append(f"account {account}: lease token {fence.token}")
    elif role == "alerts":
        alerts = build_alerts(settings, bus, engine, clock)
        out.components += [alerts.writer, alerts.engine, alerts.sync]
    elif role == "notifier":
        out.components.append(build_relay(settings, bus, engine, clock))
    elif role == "research":
        research = await build_research(settings, bus, engine, clock, None, store=store)
        out.components += research.components
    elif role in SERVING:
        if serve is None:
            raise ValueError(f"the {role} role needs its HTTP app's factory")
        state = build_api_state(settings, engine, clock, bus, run_id=ledger)
        if role == "api":  # TradingView's webhooks come in through the API, not the bot
            state.intake = intake = build_intake(settings, bus, clock)
            out.components.append(intake)
        server = ApiServer(serve(state), settings.api, clock, trusted_proxies=trusted_proxies(settings))
        out.components.append(server)
    else:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    return out


async def _ensure_run(engine: AsyncEngine, run_id: str, now_ns: int) -> None:
    runs = RunRepository(engine)
    if await runs.get(run_id) is None:
        await runs.begin(run_id, name="workers", config={}, started_at=now_ns)
