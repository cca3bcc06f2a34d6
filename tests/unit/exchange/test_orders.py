"""Limit, stop and stop-limit orders, time in force, cost models and a multi-instrument account."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from freeride.core.market import Bar
from freeride.core.orders import Fill, Order, OrderStatus, OrderType, Side, TimeInForce
from freeride.exchange.costs import PercentCommission, PerLotCommission, PerUnitCommission, PriceImpact
from freeride.exchange.engine import ExchangeConfig, FillTiming, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.testing.builders import DAY_NS, market_order

D = Decimal


def ohlc(symbol: str, i: int, o: float, h: float, lo: float, c: float) -> Bar:
    return Bar(
        symbol=symbol,
        interval="1d",
        open=o,
        high=h,
        low=lo,
        close=c,
        volume=1.0,
        ts_event=i * DAY_NS,
        ts_init=i * DAY_NS,
    )


def order(
    side: Side,
    kind: OrderType,
    *,
    limit: str | None = None,
    stop: str | None = None,
    qty: str = "10",
    coid: str = "o1",
    tif: TimeInForce = TimeInForce.GTC,
    symbol: str = "GOOG",
) -> Order:
    return msgspec.structs.replace(
        market_order(symbol, side, qty, coid),
        order_type=kind,
        limit_price=None if limit is None else D(limit),
        stop_price=None if stop is None else D(stop),
        time_in_force=tif,
    )


def exchange(timing: FillTiming = FillTiming.NEXT_OPEN, **config: object) -> SimulatedExchange:
    return SimulatedExchange(Portfolio(cash=D(100_000)), ExchangeConfig(fill_timing=timing, **config))  # type: ignore[arg-type]


def fills(updates: object) -> list[Fill]:
    return [u for u in updates if isinstance(u, Fill)]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("side", "kind", "limit", "stop", "bar", "price"),
    [
        # limit buy: at the limit when the range reaches it, at the open when it opens below
        (Side.BUY, OrderType.LIMIT, "99", None, (100, 101, 98, 100), "99"),
        (Side.BUY, OrderType.LIMIT, "99", None, (97, 98, 96, 97), "97"),
        (Side.BUY, OrderType.LIMIT, "95", None, (100, 101, 98, 100), None),
        (Side.SELL, OrderType.LIMIT, "101", None, (100, 102, 99, 100), "101"),
        (Side.SELL, OrderType.LIMIT, "101", None, (103, 104, 102, 103), "103"),
        # stop buy: at the stop when the range reaches it, at the open when it gaps through
        (Side.BUY, OrderType.STOP, None, "101", (100, 102, 99, 101), "101"),
        (Side.BUY, OrderType.STOP, None, "101", (103, 104, 102, 103), "103"),
        (Side.SELL, OrderType.STOP, None, "99", (100, 101, 98, 99), "99"),
        (Side.SELL, OrderType.STOP, None, "99", (100, 101, 99.5, 100), None),
        # stop-limit buy: triggers at the stop, fills there when within the limit
        (Side.BUY, OrderType.STOP_LIMIT, "102", "101", (100, 103, 99, 102), "101"),
        (Side.BUY, OrderType.STOP_LIMIT, "102", "101", (104, 105, 101.5, 104), "102"),
        (Side.BUY, OrderType.STOP_LIMIT, "102", "101", (104, 105, 103, 104), None),
    ],
)
def test_order_types_fill_against_the_next_bar(
    side: Side,
    kind: OrderType,
    limit: str | None,
    stop: str | None,
    bar: tuple[float, ...],
    price: str | None,
) -> None:
    ex = exchange()
    ack, _ = ex.submit(order(side, kind, limit=limit, stop=stop), 0)
    assert ack.status is OrderStatus.ACCEPTED
    got = fills(ex.on_bar(ohlc("GOOG", 1, *bar), 1))
    if price is None:
        assert got == []
        assert [o.client_order_id for o in ex.open_orders()] == ["o1"]
    else:
        assert [f.price for f in got] == [D(price)]
        assert ex.open_orders() == []


def test_a_triggered_stop_limit_rests_as_a_limit() -> None:
    ex = exchange()
    ex.submit(order(Side.BUY, OrderType.STOP_LIMIT, limit="102", stop="101"), 0)
    assert fills(ex.on_bar(ohlc("GOOG", 1, 104, 105, 103, 104), 1)) == []  # triggered, limit not reached
    assert fills(ex.on_bar(ohlc("GOOG", 2, 100, 106, 99, 103), 2))[0].price == D(
        "100"
    )  # now a limit: opens below


def test_gtc_waits_day_expires_ioc_cancels() -> None:
    ex = exchange()
    ex.submit(order(Side.BUY, OrderType.LIMIT, limit="90", coid="gtc"), 0)
    ex.submit(order(Side.BUY, OrderType.LIMIT, limit="90", coid="day", tif=TimeInForce.DAY), 0)
    ex.submit(order(Side.BUY, OrderType.LIMIT, limit="90", coid="ioc", tif=TimeInForce.IOC), 0)
    updates = ex.on_bar(ohlc("GOOG", 1, 100, 101, 99, 100), 1)
    statuses = {u.client_order_id: u.status for u in updates if isinstance(u, Order)}
    assert statuses == {"day": OrderStatus.EXPIRED, "ioc": OrderStatus.CANCELED}
    assert [o.client_order_id for o in ex.open_orders()] == ["gtc"]
    assert fills(ex.on_bar(ohlc("GOOG", 2, 95, 96, 89, 90), 2))[0].price == D("90")


def test_close_timing_fills_marketable_orders_at_the_close_and_rests_the_others() -> None:
    ex = exchange(FillTiming.CLOSE)
    ex.on_bar(ohlc("GOOG", 0, 100, 102, 98, 101), 0)
    _, now = ex.submit(order(Side.BUY, OrderType.LIMIT, limit="101.5", coid="a"), 0)
    assert fills(now)[0].price == D("101")
    _, later = ex.submit(order(Side.BUY, OrderType.LIMIT, limit="99", coid="b"), 0)
    assert later == []
    assert fills(ex.on_bar(ohlc("GOOG", 1, 100, 100, 98.5, 99), 1))[0].price == D("99")
    _, ioc = ex.submit(order(Side.BUY, OrderType.LIMIT, limit="50", coid="c", tif=TimeInForce.IOC), 0)
    assert [u.status for u in ioc if isinstance(u, Order)] == [OrderStatus.CANCELED]


@pytest.mark.parametrize(
    ("kind", "limit", "stop", "reason"),
    [
        (OrderType.LIMIT, None, None, "needs a limit_price"),
        (OrderType.STOP, None, None, "needs a stop_price"),
        (OrderType.MARKET, "10", None, "takes no limit_price"),
        (OrderType.LIMIT, "-1", None, "positive price"),
    ],
)
def test_prices_must_fit_the_order_type(
    kind: OrderType, limit: str | None, stop: str | None, reason: str
) -> None:
    ack, _ = exchange().submit(order(Side.BUY, kind, limit=limit, stop=stop), 0)
    assert ack.status is OrderStatus.REJECTED
    assert reason in ack.reason


def test_commission_models() -> None:
    assert PercentCommission(D("0.001"), D("1")).charge(D(10), D("50")) == D("1")  # minimum applies
    assert PerUnitCommission(D("0.005"), D("1")).charge(D(1000), D("50")) == D("5.000")
    assert PerUnitCommission(D("0.005"), D("1")).charge(D(10), D("50")) == D("1")
    assert PerLotCommission(D("7")).charge(D(250_000), D("1.1")) == D("17.5")
    with pytest.raises(ValueError, match="negative"):
        PerUnitCommission(D("-1"))
    with pytest.raises(ValueError, match="lot size"):
        PerLotCommission(D("1"), D("0"))


def test_spread_and_slippage_move_market_fills_against_the_trader_but_not_limits() -> None:
    impact = PriceImpact(spread=D("0.02"), slippage=D("0.01"), slippage_rate=D("0.001"))
    ex = exchange(impact=impact, commission=PercentCommission(D(0)))
    ex.submit(market_order("GOOG", Side.BUY, "1", "b"), 0)
    ex.submit(market_order("GOOG", Side.SELL, "1", "s"), 0)
    ex.submit(order(Side.BUY, OrderType.LIMIT, limit="100", coid="l", qty="1"), 0)
    got = {f.client_order_id: f.price for f in fills(ex.on_bar(ohlc("GOOG", 1, 100, 101, 99, 100), 1))}
    assert got == {"b": D("100.12"), "s": D("99.88"), "l": D("100")}  # 100 ± (0.01 + 0.01 + 0.1)
    assert ex.portfolio.cash == D(100_000) - D("100.12") + D("99.88") - D("100")


def test_several_instruments_share_one_account() -> None:
    ex = exchange(commission=PercentCommission(D(0)))
    ex.submit(market_order("GOOG", Side.BUY, "10", "g"), 0)
    ex.submit(market_order("EUR/USD", Side.SELL, "10000", "e"), 0)
    ex.on_bar(ohlc("GOOG", 1, 100, 100, 100, 110), 1)
    ex.on_bar(ohlc("EUR/USD", 1, 1.1, 1.1, 1.05, 1.05), 1)
    p = ex.portfolio
    assert p.cash == D(100_000) - D(1000) + D(11000)
    assert p.pnl("GOOG") == D(100)
    assert p.pnl("EUR/USD") == D("500.00")
    assert p.equity == D(100_600)
    assert p.marks == {"GOOG": D("110"), "EUR/USD": D("1.05")}
