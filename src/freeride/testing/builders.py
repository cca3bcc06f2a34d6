"""Small builders for domain objects used across the tests."""

from __future__ import annotations

from decimal import Decimal

from freeride.core.market import Bar
from freeride.core.orders import Fill, Order, OrderStatus, OrderType, Side

DAY_NS = 86_400 * 1_000_000_000


def bar(symbol: str, i: int, open_: float, close: float | None = None, interval: str = "1d") -> Bar:
    close = open_ if close is None else close
    return Bar(
        symbol=symbol,
        interval=interval,
        open=open_,
        high=max(open_, close),
        low=min(open_, close),
        close=close,
        volume=100.0,
        ts_event=i * DAY_NS,
        ts_init=i * DAY_NS,
    )


def market_order(symbol: str, side: Side, qty: str, coid: str = "c1", strategy: str = "s") -> Order:
    return Order(
        client_order_id=coid,
        strategy=strategy,
        symbol=symbol,
        side=side,
        quantity=Decimal(qty),
        order_type=OrderType.MARKET,
        status=OrderStatus.PENDING_NEW,
        ts_event=0,
        ts_init=0,
    )


def fill(i: int, ts_ns: int, symbol: str = "GOOG", strategy: str = "sma_cross:GOOG") -> Fill:
    """The ``i``-th of a run of 50-share fills at 100.25, buys and sells in turn."""
    return Fill(
        fill_id=f"f-{i}",
        client_order_id=f"o-{i}",
        strategy=strategy,
        symbol=symbol,
        side=Side.BUY if i % 2 else Side.SELL,
        quantity=Decimal(50),
        price=Decimal("100.25"),
        commission=Decimal("0.50"),
        ts_event=ts_ns,
        ts_init=ts_ns,
    )
