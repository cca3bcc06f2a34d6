"""A real order manager trading the live ledger on the paper broker over the API's database, for
the flatten tests of the REST route and the Discord command."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.adapters.paper.broker import PaperBroker
from freeride.bus import topics
from freeride.config.risk import RiskSettings
from freeride.core.clock import Clock
from freeride.core.market import Quote
from freeride.core.orders import OrderIntent, OrderType, Side, client_order_id
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.execution.manager import ManagerConfig, OrderManager
from freeride.execution.risk import RiskManager
from freeride.ports.bus import Bus
from freeride.storage.execution import SqlControlStore, SqlExecutionStore


async def live_engine(bus: Bus, clock: Clock, db: AsyncEngine | None, ledger: str | None) -> OrderManager:
    """The live ledger's order manager, short 4 TSLA (its control watch is driven by the test)."""
    assert db is not None
    assert ledger is not None
    exchange = SimulatedExchange(
        Portfolio(cash=Decimal(100_000)), ExchangeConfig(commission=PercentCommission(Decimal(0)), name="p")
    )
    broker = PaperBroker(exchange, clock)
    manager = OrderManager(
        bus,
        clock,
        brokers={},
        default_broker=broker,
        store=SqlExecutionStore(db),
        controls=SqlControlStore(db),
        risk=RiskManager(RiskSettings()),
        config=ManagerConfig(run_id=ledger, watch_controls=False),
    )
    await manager.start()
    now = clock.now_ns()
    broker.on_quote(Quote(symbol="TSLA", bid=199.0, ask=201.0, ts_event=now, ts_init=now))
    short = OrderIntent(
        client_order_id=client_order_id("s", "1"),
        strategy="s",
        signal_id="1",
        symbol="TSLA",
        side=Side.SELL,
        quantity=Decimal(4),
        order_type=OrderType.MARKET,
        ts_event=now,
        ts_init=now,
    )
    bus.publish(topics.order_intent("s"), short)
    await manager.idle()
    assert manager.book.positions == {"TSLA": Decimal(-4)}
    return manager
