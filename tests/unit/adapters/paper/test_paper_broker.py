"""The paper broker: the simulated exchange behind the Broker port, updates in the order they happen."""

from __future__ import annotations

from decimal import Decimal

from freeride.adapters.paper.broker import PaperBroker
from freeride.core.clock import ManualClock
from freeride.core.orders import AccountState, Fill, Order, OrderStatus, Position, Side
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, FillTiming, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.ports.broker import BrokerUpdate
from freeride.testing.builders import bar, market_order


def broker(timing: FillTiming = FillTiming.NEXT_OPEN) -> tuple[PaperBroker, list[BrokerUpdate]]:
    ex = SimulatedExchange(
        Portfolio(cash=Decimal(1000)),
        ExchangeConfig(commission=PercentCommission(Decimal(0)), fill_timing=timing, name="paper"),
    )
    b = PaperBroker(ex, ManualClock(5))
    updates: list[BrokerUpdate] = []
    b.on_update(updates.append)
    return b, updates


async def test_ack_then_fill_position_account_on_the_stream() -> None:
    b, updates = broker()
    ack = await b.submit(market_order("GOOG", Side.BUY, "2"))
    assert ack.status is OrderStatus.ACCEPTED
    assert updates == [ack]
    b.on_bar(bar("GOOG", 1, 10.0, 11.0))
    kinds = [type(u) for u in updates]
    assert kinds == [Order, Order, Fill, Position, AccountState]
    assert (await b.account()).cash == Decimal(980)
    assert (await b.account()).equity == Decimal(1002)  # 980 cash + 2 × 11 close
    assert [p.quantity for p in await b.positions()] == [Decimal(2)]
    assert await b.open_orders() == []
    filled = await b.order_by_client_id("c1")
    assert filled is not None
    assert filled.status is OrderStatus.FILLED


async def test_cancel_is_reported_on_the_stream() -> None:
    b, updates = broker()
    await b.submit(market_order("GOOG", Side.SELL, "1"))
    canceled = await b.cancel("c1")
    assert canceled.status is OrderStatus.CANCELED
    assert updates[-1] == canceled


async def test_close_timing_fills_during_submit_after_the_ack() -> None:
    b, updates = broker(FillTiming.CLOSE)
    b.on_bar(bar("GOOG", 0, 10.0, 12.0))
    await b.submit(market_order("GOOG", Side.BUY, "1"))
    statuses = [u.status for u in updates if isinstance(u, Order)]
    assert statuses == [OrderStatus.ACCEPTED, OrderStatus.FILLED]
