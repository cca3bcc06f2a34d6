"""The paper broker trading live: fills at the touch, sizes cap a quote's fill, IOC, DAY, stops, replace."""

from __future__ import annotations

from decimal import Decimal

from freeride.adapters.paper.broker import PaperBroker
from freeride.core.clock import ManualClock
from freeride.core.market import Quote, Trade
from freeride.core.orders import Fill, Order, OrderStatus, OrderType, Side, TimeInForce
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.ports.broker import Amendment, BrokerUpdate

DAY = 86_400 * 1_000_000_000
T0 = 1_717_430_400_000_000_000


def broker() -> tuple[PaperBroker, list[BrokerUpdate]]:
    ex = SimulatedExchange(
        Portfolio(cash=Decimal(100_000)), ExchangeConfig(commission=PercentCommission(Decimal(0)))
    )
    b = PaperBroker(ex, ManualClock(T0))
    seen: list[BrokerUpdate] = []
    b.on_update(seen.append)
    return b, seen


def quote(bid: float, ask: float, size: float = 0.0, ts: int = T0) -> Quote:
    return Quote(symbol="AAPL", bid=bid, ask=ask, bid_size=size, ask_size=size, ts_event=ts, ts_init=ts)


def order(
    cid: str,
    qty: str,
    kind: OrderType = OrderType.MARKET,
    *,
    side: Side = Side.BUY,
    limit: str | None = None,
    stop: str | None = None,
    tif: TimeInForce = TimeInForce.GTC,
) -> Order:
    return Order(
        client_order_id=cid,
        strategy="s",
        symbol="AAPL",
        side=side,
        quantity=Decimal(qty),
        order_type=kind,
        limit_price=Decimal(limit) if limit else None,
        stop_price=Decimal(stop) if stop else None,
        time_in_force=tif,
        status=OrderStatus.PENDING_NEW,
        ts_event=T0,
        ts_init=T0,
    )


def fills(seen: list[BrokerUpdate]) -> list[tuple[Decimal, Decimal]]:
    return [(u.quantity, u.price) for u in seen if isinstance(u, Fill)]


async def test_ioc_takes_what_the_quote_offers_and_cancels_the_rest() -> None:
    b, seen = broker()
    b.on_quote(quote(99.0, 100.0, size=3))
    await b.submit(order("c1", "5", tif=TimeInForce.IOC))
    assert fills(seen) == [(Decimal(3), Decimal("100.0"))]
    last = await b.order_by_client_id("c1")
    assert last is not None
    assert (last.status, last.filled_quantity) == (OrderStatus.CANCELED, Decimal(3))


async def test_a_day_order_expires_at_the_first_quote_of_the_next_day() -> None:
    b, _ = broker()
    b.on_quote(quote(99.0, 100.0))
    await b.submit(order("c1", "1", OrderType.LIMIT, limit="90", tif=TimeInForce.DAY))
    b.on_quote(quote(99.0, 100.0, ts=T0 + 3600 * 10**9))
    assert (await b.order_by_client_id("c1")).status is OrderStatus.ACCEPTED  # type: ignore[union-attr]
    b.on_quote(quote(99.0, 100.0, ts=T0 + DAY))
    assert (await b.order_by_client_id("c1")).status is OrderStatus.EXPIRED  # type: ignore[union-attr]


async def test_a_stop_triggers_on_the_touch_and_a_trade_print_fills_both_sides() -> None:
    b, seen = broker()
    b.on_quote(quote(99.0, 100.0))
    await b.submit(order("c1", "1", OrderType.STOP, side=Side.SELL, stop="98"))
    b.on_quote(quote(98.5, 99.5))
    assert fills(seen) == []
    b.on_trade(Trade(symbol="AAPL", price=97.5, size=10, ts_event=T0 + 1, ts_init=T0 + 1))
    assert fills(seen) == [(Decimal(1), Decimal("97.5"))]


async def test_replace_cancels_and_places_under_the_new_id() -> None:
    b, seen = broker()
    b.on_quote(quote(99.0, 100.0))
    first = await b.submit(order("c1", "2", OrderType.LIMIT, limit="90"))
    assert await b.order_by_broker_id(str(first.broker_order_id)) == first
    new = await b.replace("c1", "c2", Amendment(limit_price=Decimal("95")))
    assert (new.client_order_id, new.limit_price, new.status) == ("c2", Decimal(95), OrderStatus.ACCEPTED)
    old = await b.order_by_client_id("c1")
    assert old is not None
    assert (old.status, old.reason) == (OrderStatus.CANCELED, "replaced by c2")
    b.on_quote(quote(94.0, 94.5))
    assert fills(seen) == [(Decimal(2), Decimal("94.5"))]
    account = await b.account()
    assert account.buying_power == account.cash == Decimal(100_000) - Decimal(189)
    assert (await b.session()).alive
