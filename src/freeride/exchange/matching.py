"""Where an order fills against one bar, for every order type: pure price logic, no bookkeeping.

A bar shows only open, high, low and close, never the path between them, so the rules assume the
least favourable path that is consistent with the bar and say so:

- market: at the open.
- limit: at the open when the bar opens through the limit (a better price), else at the limit when
  the bar's range reaches it.
- stop: at the open when the bar gaps through the stop, else at the stop when the range reaches it.
- stop-limit: the stop triggers as above; the order then fills where a limit order at the trigger
  price would (at the trigger price when it is within the limit, at the limit when the range comes
  back to it), else it rests as a limit order from the next bar on.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from freeride.core.orders import Order, OrderType, Side


@dataclass(slots=True)
class Resting:
    """An accepted order waiting for a bar, with its prices as floats for cheap comparison."""

    order: Order
    buy: bool
    limit: float | None
    stop: float | None
    triggered: bool = False
    bars_seen: int = 0


def resting(order: Order) -> Resting:
    return Resting(
        order=order,
        buy=order.side is Side.BUY,
        limit=None if order.limit_price is None else float(order.limit_price),
        stop=None if order.stop_price is None else float(order.stop_price),
    )


def _limit_price(buy: bool, limit: float, open_: float, high: float, low: float) -> float | None:
    if buy:
        if open_ <= limit:
            return open_
        return limit if low <= limit else None
    if open_ >= limit:
        return open_
    return limit if high >= limit else None


def _stop_trigger(buy: bool, stop: float, open_: float, high: float, low: float) -> float | None:
    if buy:
        if open_ >= stop:
            return open_
        return stop if high >= stop else None
    if open_ <= stop:
        return open_
    return stop if low <= stop else None


def match_bar(r: Resting, open_: float, high: float, low: float) -> tuple[float | None, bool]:
    """``(price, market_like)`` where ``r`` fills on this bar, or ``(None, _)`` when it does not.

    ``market_like`` is true for fills that pay spread and slippage (market and stop fills). A
    stop-limit that triggers without filling is left with ``r.triggered`` set.
    """
    kind = r.order.order_type
    if kind is OrderType.MARKET:
        return open_, True
    if kind is OrderType.LIMIT or (kind is OrderType.STOP_LIMIT and r.triggered):
        assert r.limit is not None
        return _limit_price(r.buy, r.limit, open_, high, low), False
    assert r.stop is not None
    trigger = _stop_trigger(r.buy, r.stop, open_, high, low)
    if trigger is None:
        return None, False
    if kind is OrderType.STOP:
        return trigger, True
    assert r.limit is not None
    r.triggered = True
    within = trigger <= r.limit if r.buy else trigger >= r.limit
    if within:
        return trigger, False
    reached = low <= r.limit if r.buy else high >= r.limit
    return (r.limit, False) if reached else (None, False)


def match_close(r: Resting, close: float) -> tuple[float | None, bool]:
    """Fill at the last close when the order is marketable there (fill timing ``CLOSE``)."""
    return match_bar(r, close, close, close)


def price_problem(order: Order) -> str:
    """Why the order's prices do not fit its type, or ``""``."""
    kind = order.order_type
    need_limit = kind in (OrderType.LIMIT, OrderType.STOP_LIMIT)
    need_stop = kind in (OrderType.STOP, OrderType.STOP_LIMIT)
    for name, price, needed in (
        ("limit_price", order.limit_price, need_limit),
        ("stop_price", order.stop_price, need_stop),
    ):
        if needed and price is None:
            return f"a {kind.value} order needs a {name}"
        if not needed and price is not None:
            return f"a {kind.value} order takes no {name}"
        if price is not None and (not price.is_finite() or price <= Decimal(0)):
            return f"{name} must be a positive price, got {price}"
    return ""
