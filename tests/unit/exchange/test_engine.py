"""Paper broker arithmetic: fills at the next open, commission, cash, positions and P&L in Decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from freeride.core.errors import InvalidInput
from freeride.core.orders import AccountState, Fill, Order, OrderStatus, OrderType, Position, Side
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, FillTiming, SimulatedExchange
from freeride.exchange.portfolio import Holding, Portfolio
from freeride.testing.builders import bar, market_order

D = Decimal


def exchange(timing: FillTiming = FillTiming.NEXT_OPEN, rate: str = "0.001") -> SimulatedExchange:
    return SimulatedExchange(
        Portfolio(cash=D("100000")),
        ExchangeConfig(commission=PercentCommission(D(rate)), fill_timing=timing),
    )


def test_market_order_fills_at_next_open_with_commission() -> None:
    ex = exchange()
    ex.on_bar(bar("GOOG", 0, 100.0, 101.0), 0)
    ack, fills = ex.submit(market_order("GOOG", Side.BUY, "50"), 1)
    assert ack.status is OrderStatus.ACCEPTED
    assert ack.broker_order_id == "sim-1"
    assert fills == []  # nothing fills before the next bar
    updates = ex.on_bar(bar("GOOG", 1, 102.5, 103.0), 2)
    order, fill, position, account = updates
    assert isinstance(order, Order)
    assert order.status is OrderStatus.FILLED
    assert isinstance(fill, Fill)
    assert fill.price == D("102.5")
    assert fill.commission == D("5.1250")  # 50 * 102.5 * 0.001
    assert isinstance(position, Position)
    assert position.quantity == 50
    assert position.avg_price == D("102.5")
    assert isinstance(account, AccountState)
    assert account.cash == D("100000") - D("5125") - D("5.125")
    # marked to the close of the fill bar: 50 * 103
    assert account.equity == D("100000") - D("5125") - D("5.125") + D("5150")


def test_round_trip_realises_pnl_net_of_both_commissions() -> None:
    ex = exchange()
    ex.submit(market_order("GOOG", Side.BUY, "10", "a"), 0)
    ex.on_bar(bar("GOOG", 0, 100.0), 0)
    ex.submit(market_order("GOOG", Side.SELL, "10", "b"), 0)
    ex.on_bar(bar("GOOG", 1, 110.0), 0)
    h = ex.portfolio.holdings["GOOG"]
    assert h.quantity == 0
    assert h.realized_pnl == D("100")
    assert h.commission == D("1.000") + D("1.100")
    assert ex.portfolio.cash == D("100000") + D("100") - D("2.1")
    assert ex.portfolio.pnl("GOOG") == D("97.9")
    assert ex.portfolio.equity == ex.portfolio.cash


def test_flip_from_long_to_short_opens_a_new_trade_at_the_fill_price() -> None:
    h = Holding()
    h.apply(D("10"), D("100"))
    h.apply(D("-30"), D("90"))
    assert h.quantity == D("-20")
    assert h.avg_price == D("90")
    assert h.realized_pnl == D("-100")
    assert h.trades_opened == 2
    h.apply(D("5"), D("80"))  # cover part of the short at a profit
    assert h.realized_pnl == D("-100") + D("50")
    assert h.quantity == D("-15")
    assert h.avg_price == D("90")


def test_adding_to_a_position_averages_the_entry() -> None:
    h = Holding()
    h.apply(D("10"), D("100"))
    h.apply(D("30"), D("120"))
    assert h.avg_price == D("115")
    assert h.trades_opened == 1


def test_short_position_pnl_is_marked_to_market() -> None:
    ex = exchange(rate="0")
    ex.submit(market_order("EUR/USD", Side.SELL, "10000"), 0)
    ex.on_bar(bar("EUR/USD", 0, 1.07160, 1.07000), 0)
    assert ex.portfolio.pnl("EUR/USD") == D("16.0000")  # (1.07160 - 1.07000) * 10000
    assert ex.portfolio.equity == D("100016.0000")


def test_close_timing_fills_immediately_at_the_last_close() -> None:
    ex = exchange(FillTiming.CLOSE)
    ex.on_bar(bar("GOOG", 0, 100.0, 105.0), 0)
    ack, fills = ex.submit(market_order("GOOG", Side.BUY, "1"), 1)
    assert ack.status is OrderStatus.ACCEPTED
    assert isinstance(fills[1], Fill)
    assert fills[1].price == D("105.0")


def test_resubmitting_the_same_client_order_id_is_not_a_second_order() -> None:
    ex = exchange()
    first, _ = ex.submit(market_order("GOOG", Side.BUY, "1", "same"), 0)
    again, fills = ex.submit(market_order("GOOG", Side.BUY, "1", "same"), 0)
    assert again == first
    assert fills == []
    ex.on_bar(bar("GOOG", 0, 100.0), 0)
    assert ex.portfolio.holdings["GOOG"].quantity == 1


@pytest.mark.parametrize(
    ("qty", "otype", "reason"),
    [("0", OrderType.MARKET, "quantity must be positive"), ("1", OrderType.LIMIT, "needs a limit_price")],
)
def test_invalid_orders_are_rejected_with_a_reason(qty: str, otype: OrderType, reason: str) -> None:
    import msgspec

    ex = exchange()
    order = msgspec.structs.replace(market_order("GOOG", Side.BUY, qty), order_type=otype)
    ack, _ = ex.submit(order, 0)
    assert ack.status is OrderStatus.REJECTED
    assert reason in ack.reason


def test_cancel_removes_a_pending_order() -> None:
    ex = exchange()
    ex.submit(market_order("GOOG", Side.BUY, "1"), 0)
    assert ex.cancel("c1", 0).status is OrderStatus.CANCELED
    assert not ex.on_bar(bar("GOOG", 0, 100.0), 0)
    assert ex.open_orders() == []
    with pytest.raises(InvalidInput, match="nope"):
        ex.cancel("nope", 0)


def test_negative_commission_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        PercentCommission(D("-0.1"))
