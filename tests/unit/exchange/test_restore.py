"""A continued paper account: open orders put back as they stood, ids never repeated."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from freeride.core.market import Quote
from freeride.core.orders import Fill, OrderStatus, OrderType, Side
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.testing.builders import market_order


def paper() -> SimulatedExchange:
    return SimulatedExchange(
        Portfolio(cash=Decimal(100_000)),
        ExchangeConfig(commission=PercentCommission(Decimal(0)), name="paper:live"),
    )


def quote(bid: float, ask: float, size: float, t: int) -> Quote:
    return Quote(symbol="AAPL", bid=bid, ask=ask, bid_size=size, ask_size=size, ts_event=t, ts_init=t)


def test_a_partly_filled_limit_order_continues_after_a_restart() -> None:
    before = paper()
    limit = msgspec.structs.replace(
        market_order("AAPL", Side.BUY, "10", coid="fr-1"),
        order_type=OrderType.LIMIT,
        limit_price=Decimal(100),
    )
    before.on_quote(quote(99, 100, 4, 1), 1)
    _, first = before.submit(limit, 1)  # 4 of 10 fill at once at the ask
    partial = next(
        u for u in first if not isinstance(u, Fill) and getattr(u, "client_order_id", "") == "fr-1"
    )
    assert partial.status is OrderStatus.PARTIALLY_FILLED  # type: ignore[union-attr]

    after = paper()  # the process restarted: a new exchange, the order as stored
    after.used_ids(["paper:live-1"])
    after.restore(partial, fills=1)
    assert after.order("fr-1") == partial
    updates = after.on_quote(quote(99, 100, 100, 2), 2)
    fills = [u for u in updates if isinstance(u, Fill)]
    assert [(f.fill_id, f.quantity) for f in fills] == [("paper:live-1-2", Decimal(6))]  # numbered after
    assert after.order("fr-1").status is OrderStatus.FILLED  # type: ignore[union-attr]


def test_new_orders_are_numbered_after_the_ones_before_the_restart() -> None:
    after = paper()
    after.used_ids(["paper:live-7", "paper:live-3", None, "alpaca-9"])
    ack, _ = after.submit(market_order("AAPL", Side.BUY, "1", coid="fr-new"), 5)
    assert ack.broker_order_id == "paper:live-8"


def test_an_order_never_accepted_is_left_to_reconciliation() -> None:
    after = paper()
    after.restore(market_order("AAPL", Side.BUY, "1", coid="fr-unsent"))  # no broker id: never sent
    assert after.order("fr-unsent") is None
