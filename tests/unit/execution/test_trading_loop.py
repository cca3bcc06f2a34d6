"""Strategy → bus → order router → paper broker → fills back to the strategy, without storage."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from freeride.adapters.paper.broker import PaperBroker
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import ManualClock
from freeride.core.errors import TemporaryError
from freeride.core.orders import Fill, Order, OrderIntent, OrderStatus, Side
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.execution.router import OrderRouter
from freeride.execution.strategy_host import StrategyHost
from freeride.strategies.sma_cross import SmaCross, SmaCrossParams
from freeride.testing.builders import bar, market_order


def paper(clock: ManualClock) -> PaperBroker:
    ex = SimulatedExchange(
        Portfolio(cash=Decimal(10_000)), ExchangeConfig(commission=PercentCommission(Decimal("0.001")))
    )
    return PaperBroker(ex, clock)


async def test_cross_becomes_a_fill_at_the_next_open() -> None:
    clock = ManualClock(1)
    bus = InMemoryBus(clock)
    broker = paper(clock)
    strategy = SmaCross("sma", "GOOG", SmaCrossParams(fast=2, slow=3, quantity=Decimal(5)))
    host = StrategyHost(strategy, bus, clock, interval="1d")
    router = OrderRouter(bus, clock, brokers={"sma": broker})
    bus.subscribe(topics.bar("GOOG", "1d"), broker.on_bar, priority=-100)
    seen: list[Any] = []
    bus.subscribe(topics.ALL_FILLS, seen.append)
    bus.subscribe(topics.ALL_ORDER_UPDATES, seen.append)
    await router.start()
    await host.start()

    closes = [10.0, 9.0, 8.0, 13.0, 14.0]
    for i, c in enumerate(closes):
        bus.publish(topics.bar("GOOG", "1d"), bar("GOOG", i, c + 0.5, c))
        await router.queue.wait_idle()

    statuses = [e.status for e in seen if isinstance(e, Order)]
    assert statuses == [OrderStatus.PENDING_NEW, OrderStatus.ACCEPTED, OrderStatus.FILLED]
    fills = [e for e in seen if isinstance(e, Fill)]
    assert len(fills) == 1
    assert fills[0].price == Decimal("14.5")  # the open of the bar after the cross (close 13 → next open)
    assert strategy.position("GOOG") == 5
    await host.stop()
    await router.stop()
    assert router.submitted == 1


async def test_the_same_intent_twice_is_sent_once() -> None:
    clock = ManualClock(1)
    bus = InMemoryBus(clock)
    broker = paper(clock)
    router = OrderRouter(bus, clock, brokers={}, default_broker=broker)
    await router.start()
    order = market_order("GOOG", Side.BUY, "1", "dup")
    intent = OrderIntent(
        client_order_id="dup",
        strategy="s",
        signal_id="x",
        symbol="GOOG",
        side=Side.BUY,
        quantity=order.quantity,
        ts_event=0,
        ts_init=0,
    )
    bus.publish(topics.order_intent("s"), intent)
    bus.publish(topics.order_intent("s"), intent)
    await router.stop()
    assert router.submitted == 1
    assert len(await broker.open_orders()) == 1


async def test_no_broker_rejects_with_a_reason() -> None:
    clock = ManualClock(1)
    bus = InMemoryBus(clock)
    router = OrderRouter(bus, clock, brokers={})
    updates: list[Order] = []
    bus.subscribe(topics.ALL_ORDER_UPDATES, updates.append)
    await router.start()
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
    await router.stop()
    assert updates[-1].status is OrderStatus.REJECTED
    assert "no broker" in updates[-1].reason


class FlakyBroker:
    name = "flaky"

    def on_update(self, listener: Any) -> None:
        pass

    async def submit(self, order: Order) -> Order:
        raise TemporaryError("connection reset")


async def test_broker_failure_is_a_system_event_and_routing_goes_on() -> None:
    clock = ManualClock(1)
    bus = InMemoryBus(clock)
    router = OrderRouter(bus, clock, brokers={"s": FlakyBroker()})  # type: ignore[dict-item]
    events: list[Any] = []
    bus.subscribe(topics.ALL_SYSTEM, events.append)
    await router.start()
    for coid in ("a", "b"):
        bus.publish(
            topics.order_intent("s"),
            OrderIntent(
                client_order_id=coid,
                strategy="s",
                signal_id=coid,
                symbol="GOOG",
                side=Side.BUY,
                quantity=Decimal(1),
                ts_event=0,
                ts_init=0,
            ),
        )
    await router.stop()
    assert [e.kind for e in events] == ["submit_failed", "submit_failed"]
    assert "connection reset" in events[0].message


def test_router_needs_start_before_queue() -> None:
    router = OrderRouter(InMemoryBus(ManualClock()), ManualClock(), brokers={})
    with pytest.raises(RuntimeError, match="not started"):
        _ = router.queue
