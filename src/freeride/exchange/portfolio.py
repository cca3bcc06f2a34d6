"""Cash and positions of one account, in ``Decimal``: the arithmetic fills obey."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(slots=True)
class Holding:
    """A signed position with its average entry price and what it has realised so far."""

    quantity: Decimal = ZERO
    avg_price: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    commission: Decimal = ZERO
    trades_opened: int = 0

    def apply(self, signed_qty: Decimal, price: Decimal) -> None:
        """Book a fill: extend, reduce, close or flip the position."""
        qty = self.quantity
        if qty == 0 or (qty > 0) == (signed_qty > 0):
            new_qty = qty + signed_qty
            self.avg_price = (qty * self.avg_price + signed_qty * price) / new_qty
            if qty == 0:
                self.trades_opened += 1
            self.quantity = new_qty
            return
        closing = min(abs(signed_qty), abs(qty))
        direction = 1 if qty > 0 else -1
        self.realized_pnl += (price - self.avg_price) * closing * direction
        new_qty = qty + signed_qty
        if new_qty == 0:
            self.avg_price = ZERO
        elif (new_qty > 0) != (qty > 0):  # flipped: the remainder opens a new trade at the fill price
            self.avg_price = price
            self.trades_opened += 1
        self.quantity = new_qty

    def unrealized(self, mark: Decimal) -> Decimal:
        return (mark - self.avg_price) * self.quantity if self.quantity else ZERO


@dataclass(slots=True)
class Portfolio:
    """One account: cash plus holdings, marked to the last known price of each symbol."""

    cash: Decimal
    currency: str = "USD"
    holdings: dict[str, Holding] = field(default_factory=dict)
    marks: dict[str, Decimal] = field(default_factory=dict)

    def holding(self, symbol: str) -> Holding:
        h = self.holdings.get(symbol)
        if h is None:
            h = self.holdings[symbol] = Holding()
        return h

    def book_fill(self, symbol: str, signed_qty: Decimal, price: Decimal, commission: Decimal) -> Holding:
        self.cash -= signed_qty * price + commission
        h = self.holding(symbol)
        h.apply(signed_qty, price)
        h.commission += commission
        return h

    def mark(self, symbol: str, price: Decimal) -> None:
        self.marks[symbol] = price

    def position_value(self, symbol: str) -> Decimal:
        h = self.holdings.get(symbol)
        if h is None or h.quantity == 0:
            return ZERO
        return h.quantity * self.marks.get(symbol, h.avg_price)

    @property
    def equity(self) -> Decimal:
        return self.cash + sum((self.position_value(s) for s in self.holdings), ZERO)

    def pnl(self, symbol: str) -> Decimal:
        """Realised plus unrealised P&L of one symbol, net of its commissions."""
        h = self.holdings.get(symbol)
        if h is None:
            return ZERO
        mark = self.marks.get(symbol, h.avg_price)
        return h.realized_pnl + h.unrealized(mark) - h.commission
