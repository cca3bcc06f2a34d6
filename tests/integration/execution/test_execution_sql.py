"""The order manager over the real SQL stores (SQLite and PostgreSQL): persist before send, restart,
approvals, kill."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.adapters.paper.broker import PaperBroker
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.risk import RiskSettings
from freeride.core.clock import ManualClock
from freeride.core.market import Quote
from freeride.core.orders import Fill, OrderIntent, OrderStatus, OrderType, Side, client_order_id
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.execution.control import ExecutionControl
from freeride.execution.manager import ManagerConfig, OrderManager
from freeride.execution.risk import RiskManager
from freeride.ports.execution import ApprovalState, FlattenState
from freeride.storage.engine import create_engine
from freeride.storage.execution import SqlControlStore, SqlExecutionStore
from freeride.storage.migrate import upgrade_engine

T0 = 1_717_430_400_000_000_000


PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN, timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """The execution stores on SQLite (a temp file) and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        db = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'exec.db'}")
        await upgrade_engine(db)
        yield db
        await db.dispose()
        return
    name = f"freeride_exec_{uuid.uuid4().hex[:10]}"
    try:
        await _pg_admin(f'CREATE DATABASE "{name}"')
    except (OSError, TimeoutError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL not reachable at 127.0.0.1:5432 under CI=true: {exc!r}")
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {exc!r}")
    db = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    try:
        await upgrade_engine(db)
        yield db
    finally:
        await db.dispose()
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def intent(n: int, limit: str | None = None, qty: str = "1") -> OrderIntent:
    return OrderIntent(
        client_order_id=client_order_id("s", str(n)),
        strategy="s",
        signal_id=str(n),
        symbol="AAPL",
        side=Side.BUY,
        quantity=Decimal(qty),
        order_type=OrderType.LIMIT if limit else OrderType.MARKET,
        limit_price=Decimal(limit) if limit else None,
        ts_event=T0,
        ts_init=T0,
    )


def manager(
    engine: AsyncEngine, broker: PaperBroker, bus: InMemoryBus, clock: ManualClock, **cfg: object
) -> OrderManager:
    return OrderManager(
        bus,
        clock,
        brokers={},
        default_broker=broker,
        store=SqlExecutionStore(engine, clock.now_ns()),
        controls=SqlControlStore(engine),
        risk=RiskManager(RiskSettings()),
        config=ManagerConfig(run_id="live-paper-test", **cfg),  # type: ignore[arg-type]
    )


def paper(clock: ManualClock) -> PaperBroker:
    ex = SimulatedExchange(
        Portfolio(cash=Decimal(10_000)), ExchangeConfig(commission=PercentCommission(Decimal(0)))
    )
    return PaperBroker(ex, clock)


async def test_orders_fills_and_positions_are_stored_and_fills_once(engine: AsyncEngine) -> None:
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    broker = paper(clock)
    m = manager(engine, broker, bus, clock)
    await m.start()
    broker.on_quote(Quote(symbol="AAPL", bid=99.0, ask=101.0, ts_event=T0, ts_init=T0))
    bus.publish(topics.order_intent("s"), intent(1, qty="2"))
    await m.idle()
    store = SqlExecutionStore(engine)
    cid = intent(1).client_order_id
    stored = await store.get_order("live-paper-test", cid)
    assert stored is not None
    assert stored.status is OrderStatus.FILLED
    (fill,) = await store.fills_of("live-paper-test", cid)
    assert await store.save_fills("live-paper-test", [fill]) == []  # the store de-duplicates too
    (position,) = await store.positions("live-paper-test")
    assert (position.quantity, position.avg_price) == (Decimal(2), Decimal("101.0"))
    assert await store.existing("live-paper-test", [cid, "fr-none"]) == {cid}
    await m.stop()


async def test_restart_over_the_database_keeps_open_orders_and_refuses_replays(engine: AsyncEngine) -> None:
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    broker = paper(clock)  # the paper exchange lives on: a stand-in for a broker that kept our orders
    seen: list[Fill] = []
    bus.subscribe(topics.ALL_FILLS, seen.append)
    first = manager(engine, broker, bus, clock)
    await first.start()
    bus.publish(topics.order_intent("s"), intent(1, limit="100"))
    await first.idle()
    await first.stop()

    second = manager(engine, broker, bus, clock)
    await second.start()
    assert second.halts.blocking(clock.now_ns()) is None
    cid = intent(1).client_order_id
    assert second.book.orders[cid].status is OrderStatus.ACCEPTED
    bus.publish(topics.order_intent("s"), intent(1, limit="100"))  # a replayed intent
    await second.idle()
    assert second.duplicate_intents == 1
    assert len(broker.exchange.open_orders()) == 1
    broker.on_quote(Quote(symbol="AAPL", bid=98.0, ask=99.0, ts_event=T0 + 1, ts_init=T0 + 1))
    await second.idle()
    assert len(seen) == 1
    assert second.book.positions["AAPL"] == 1
    await second.stop()


async def test_approvals_and_the_kill_switch_through_sql(engine: AsyncEngine) -> None:
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    broker = paper(clock)
    m = manager(engine, broker, bus, clock, approval_mode=True)
    await m.start()
    bus.publish(topics.order_intent("s"), intent(1, limit="100"))
    await m.idle()
    control = ExecutionControl(SqlControlStore(engine), clock)
    (waiting,) = await control.pending_approvals("live-paper-test")
    assert waiting.state is ApprovalState.PENDING
    assert "buy 1 AAPL limit @ 100" in waiting.summary
    assert await control.approve("live-paper-test", waiting.client_order_id, "alice")
    await m.poll_controls()
    assert len(broker.exchange.open_orders()) == 1
    await control.kill("from another process", "cli")
    await m.poll_controls()
    assert broker.exchange.open_orders() == []
    assert [h.reason for h in await control.status()] == ["from another process"]
    await control.resume("cli")
    await m.poll_controls()
    assert m.halts.blocking(clock.now_ns()) is None
    await m.stop()


async def test_a_flatten_request_through_sql(engine: AsyncEngine) -> None:
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    broker = paper(clock)
    m = manager(engine, broker, bus, clock)
    await m.start()
    broker.on_quote(Quote(symbol="AAPL", bid=99.0, ask=101.0, ts_event=T0, ts_init=T0))
    bus.publish(topics.order_intent("s"), intent(1))
    await m.idle()
    control = ExecutionControl(SqlControlStore(engine), clock)
    asked = await control.flatten("live-paper-test", "cli:alice")
    assert asked.state is FlattenState.PENDING
    await m.poll_controls()
    await m.idle()
    done = await control.flatten_request(asked.request_id)
    assert done is not None
    assert done.state is FlattenState.DONE
    assert [(o.symbol, o.side, o.quantity, o.status) for o in done.orders] == [
        ("AAPL", "sell", "1", "filled")
    ]
    assert done.requested_by == "cli:alice"
    assert m.book.positions["AAPL"] == 0
    await m.stop()
