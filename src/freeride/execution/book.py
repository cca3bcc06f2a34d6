"""The order manager's working memory: orders, what they may still add to each position, fills seen.

Brokers report orders without our bookkeeping (Alpaca knows nothing of strategies), so an update
is merged into the order we already hold: the broker's word on status, quantities and prices, ours
on everything else, and time never runs backwards (``ts_event`` only grows, so a stored row is
never overwritten by an older state).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from freeride.core.market import Bar, Quote, Trade
from freeride.core.orders import Fill, Order, Position, Side
from freeride.exchange.portfolio import Holding

ZERO = Decimal(0)


def signed_remaining(order: Order) -> Decimal:
    """What an open order may still add to its symbol's position (signed); 0 once it is closed."""
    if not order.status.is_open:
        return ZERO
    left = order.quantity - order.filled_quantity
    return left if order.side is Side.BUY else -left


def merge(known: Order, update: Order) -> Order:
    """``known`` with the broker's news from ``update`` applied."""
    status = update.status
    if status.is_open and not known.status.is_open:  # a late "accepted" after the fill is old news
        return known
    return msgspec.structs.replace(
        known,
        broker_order_id=update.broker_order_id or known.broker_order_id,
        status=status,
        quantity=update.quantity or known.quantity,
        filled_quantity=max(update.filled_quantity, known.filled_quantity),
        avg_fill_price=update.avg_fill_price if update.avg_fill_price is not None else known.avg_fill_price,
        limit_price=update.limit_price if update.limit_price is not None else known.limit_price,
        stop_price=update.stop_price if update.stop_price is not None else known.stop_price,
        reason=update.reason or known.reason,
        ts_event=max(known.ts_event, update.ts_event),
        ts_init=max(known.ts_init, update.ts_init),
    )


class OrderBook:
    """Orders by client id, the signed quantity open orders may still add, fills by broker id."""

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.by_broker_id: dict[str, str] = {}
        self.open_qty: dict[str, Decimal] = {}
        self.positions: dict[str, Decimal] = {}
        self.holdings: dict[str, Holding] = {}
        self.marks: dict[str, Decimal] = {}
        self.fill_ids: set[str] = set()

    def track(self, order: Order) -> Order:
        """Record ``order`` (new, or an update of one we hold); returns the merged state."""
        known = self.orders.get(order.client_order_id)
        merged = order if known is None else merge(known, order)
        before = ZERO if known is None else signed_remaining(known)
        after = signed_remaining(merged)
        if after != before:
            self.open_qty[merged.symbol] = self.open_qty.get(merged.symbol, ZERO) + after - before
        self.orders[merged.client_order_id] = merged
        if merged.broker_order_id:
            self.by_broker_id[merged.broker_order_id] = merged.client_order_id
        return merged

    def forget(self, client_order_id: str) -> None:
        """Drop an order tracked by mistake (it turned out to be stored already)."""
        known = self.orders.pop(client_order_id, None)
        if known is not None:
            left = signed_remaining(known)
            if left:
                self.open_qty[known.symbol] = self.open_qty.get(known.symbol, ZERO) - left

    def owner_of(self, fill: Fill) -> Order | None:
        known = self.orders.get(fill.client_order_id)
        if known is None and fill.broker_order_id:
            cid = self.by_broker_id.get(fill.broker_order_id)
            known = None if cid is None else self.orders.get(cid)
        return known

    def set_position(self, position: Position) -> None:
        """Start from a known position (stored, or adopted from the broker on a first start)."""
        self.holdings[position.symbol] = Holding(
            quantity=position.quantity, avg_price=position.avg_price, realized_pnl=position.realized_pnl
        )
        self.positions[position.symbol] = position.quantity

    def apply_fill(self, fill: Fill) -> tuple[Fill, Position] | None:
        """Book a fill once: the fill (with our strategy filled in) and the position it leaves.

        ``None`` when its id was seen before (a fill delivered twice).
        """
        if fill.fill_id in self.fill_ids:
            return None
        self.fill_ids.add(fill.fill_id)
        owner = self.owner_of(fill)
        if owner is not None and (not fill.strategy or not fill.client_order_id):
            fill = msgspec.structs.replace(
                fill, strategy=owner.strategy, client_order_id=owner.client_order_id
            )
        holding = self.holdings.get(fill.symbol)
        if holding is None:
            holding = self.holdings[fill.symbol] = Holding()
        holding.apply(fill.signed_quantity, fill.price)
        self.positions[fill.symbol] = holding.quantity
        self.marks.setdefault(fill.symbol, fill.price)
        return fill, holding.position(fill.symbol, fill.ts_event, fill.ts_init)

    def open_orders(self) -> list[Order]:
        return [o for o in self.orders.values() if o.status.is_open]

    def projected(self, symbol: str) -> Decimal:
        """The position if every open order in ``symbol`` filled."""
        return self.positions.get(symbol, ZERO) + self.open_qty.get(symbol, ZERO)

    # market prices for the notional limits (hot path: a dict store per event)
    def on_quote(self, quote: Quote) -> None:
        self.marks[quote.symbol] = Decimal(repr(quote.mid))

    def on_trade(self, trade: Trade) -> None:
        self.marks[trade.symbol] = Decimal(repr(trade.price))

    def on_bar(self, bar: Bar) -> None:
        self.marks[bar.symbol] = Decimal(repr(bar.close))
