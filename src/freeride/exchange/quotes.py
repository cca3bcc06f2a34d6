"""Matching resting orders against live quotes: the paper broker's path when it trades live data.

A buy meets the ask and a sell the bid, through the same price rules as a bar
(``matching.match_close`` at the touch), so limit, stop and stop-limit orders behave as they do in
a backtest. A side with a size caps what one quote can fill: the rest of the order waits for the
next quote, which is how partial fills arise. A day order expires at the first quote of a later
UTC day than the one it was accepted on.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from freeride.core.market import Quote
from freeride.core.orders import AccountState, Fill, Order, OrderStatus, Position, TimeInForce
from freeride.exchange.matching import Resting, match_close

DAY_NS = 86_400 * 1_000_000_000

Update = Order | Fill | Position | AccountState  # the engine's, repeated: the engine imports this module
FillPart = Callable[[Order, Decimal, float, bool, int, int], list[Update]]
Expire = Callable[[Order, OrderStatus, int], Order]


class QuoteBook:
    """The last quote per symbol and the fill numbering of orders filled in parts."""

    def __init__(self) -> None:
        self.last: dict[str, Quote] = {}
        self._fills: dict[str, int] = {}

    def continue_numbering(self, client_order_id: str, fills: int) -> None:
        """The order already had ``fills`` fills (before a restart): the next is numbered after."""
        self._fills[client_order_id] = max(self._fills.get(client_order_id, 0), fills)

    def next_fill_number(self, client_order_id: str) -> int:
        n = self._fills.get(client_order_id, 0) + 1
        self._fills[client_order_id] = n
        return n

    def match(
        self, waiting: list[Resting], quote: Quote, fill: FillPart, expire: Expire, now_ns: int
    ) -> tuple[list[Update], list[Resting]]:
        """Fill what the quote reaches; returns the updates and the orders still waiting."""
        updates: list[Update] = []
        keep: list[Resting] = []
        sizes = {True: _size(quote.ask_size), False: _size(quote.bid_size)}
        day = quote.ts_event // DAY_NS
        for r in waiting:
            order = r.order
            if order.time_in_force is TimeInForce.DAY and day > order.ts_init // DAY_NS:
                updates.append(expire(order, OrderStatus.EXPIRED, now_ns))
                continue
            touch = quote.ask if r.buy else quote.bid
            available = sizes[r.buy]
            if touch <= 0 or (available is not None and available <= 0):
                keep.append(r)
                continue
            price, market_like = match_close(r, touch)
            if price is None:
                keep.append(r)
                continue
            remaining = order.quantity - order.filled_quantity
            quantity = remaining if available is None else min(remaining, available)
            if available is not None:
                sizes[r.buy] = available - quantity
            changes = fill(order, quantity, price, market_like, quote.ts_event, now_ns)
            updates.extend(changes)
            if quantity < remaining:
                partly = changes[0]
                assert isinstance(partly, Order)
                r.order = partly
                keep.append(r)
        return updates, keep


def _size(size: float) -> Decimal | None:
    """A quote side's size as a quantity cap, or ``None`` when the feed gave no size."""
    return Decimal(repr(size)) if size > 0 else None
