"""Strategy → bus → order manager → paper broker → fills back to the strategy, on in-memory stores."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from freeride.adapters.paper.broker import PaperBroker
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.risk import RiskSettings
from freeride.core.clock import ManualClock
from freeride.core.orders import Fill, Order, OrderIntent, OrderStatus, Side
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.execution.manager import ManagerConfig, OrderManager
from freeride.execution.memory import MemoryControlStore, MemoryExecutionStore
from freeride.execution.risk import RiskManager
from freeride.execution.strategy_host import StrategyHost
from freeride.strategies.sma_cross import SmaCross, SmaCrossParams
from freeride.testing.builders import bar


def paper(clock: ManualClock) -> PaperBroker:
    ex = SimulatedExchange(
        Portfolio(cash=Decimal(10_000)), ExchangeConfig(commission=PercentCommission(Decimal("0.001")))
    )
    return PaperBroker(ex, clock)


def manager(bus: InMemoryBus, clock: ManualClock, brokers: dict[str, Any]) -> OrderManager:
    return OrderManager(
        bus,
        clock,
        brokers=brokers,
        store=MemoryExecutionStore(),
        controls=MemoryControlStore(),
        risk=RiskManager(RiskSettings()),
        config=ManagerConfig(run_id="run", watch_controls=False),
    )


async def test_cross_becomes_a_fill_at_the_next_open() -> None:
    clock = ManualClock(1)
    bus = InMemoryBus(clock)
    broker = paper(clock)
    strategy = SmaCross("sma", "GOOG", SmaCrossParams(fast=2, slow=3, size=Decimal(5)))
    host = StrategyHost(strategy, bus, clock, interval="1d")
    orders = manager(bus, clock, {"sma": broker})
    bus.subscribe(topics.bar("GOOG", "1d"), broker.on_bar, priority=-100)
    seen: list[Any] = []
    bus.subscribe(topics.ALL_FILLS, seen.append)
    bus.subscribe(topics.ALL_ORDER_UPDATES, seen.append)
    await orders.start()
    await host.start()

    closes = [10.0, 9.0, 8.0, 13.0, 14.0]
    for i, c in enumerate(closes):
        bus.publish(topics.bar("GOOG", "1d"), bar("GOOG", i, c + 0.5, c))
        await orders.idle()

    statuses = [e.status for e in seen if isinstance(e, Order)]
    assert statuses[0] is OrderStatus.PENDING_NEW
    assert statuses[-1] is OrderStatus.FILLED
    fills = [e for e in seen if isinstance(e, Fill)]
    assert len(fills) == 1
    assert fills[0].price == Decimal("14.5")  # the open of the bar after the cross (close 13 → next open)
    assert strategy.position("GOOG") == 5
    await host.stop()
    await orders.stop()


async def test_no_broker_for_the_strategy_rejects_with_a_reason() -> None:
    clock = ManualClock(1)
    bus = InMemoryBus(clock)
    orders = manager(bus, clock, {})
    updates: list[Order] = []
    bus.subscribe(topics.ALL_ORDER_UPDATES, updates.append)
    await orders.start()
    bus.publish(
        topics.order_intent("lost"),
        OrderIntent(
            client_order_id="c",
            strategy="lost",
            signal_id="x",
            symbol="GOOG",
            side=Side.BUY,
            quantity=Decimal(1),
            ts_event=0,
            ts_init=0,
        ),
    )
    await orders.idle()
    await orders.stop()
    assert updates[-1].status is OrderStatus.REJECTED
    assert "no broker" in updates[-1].reason
