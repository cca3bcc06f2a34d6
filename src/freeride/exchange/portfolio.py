"""Cash and positions of one account, in ``Decimal``: the arithmetic fills obey.

Marks are kept as the float prices the market data carried and turned into ``Decimal`` only when
someone asks for equity or P&L: a backtest touches every bar, and building a ``Decimal`` per bar
would cost more than the rest of the bar's work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from freeride.core.orders import Position

ZERO = Decimal(0)


def to_price(value: float) -> Decimal:
    """A float market price as the ``Decimal`` it was written as (``repr`` is the shortest round-trip)."""
    return Decimal(repr(value))


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
        long = qty > ZERO
        if not qty or long == (signed_qty > ZERO):
            new_qty = qty + signed_qty
            self.avg_price = price if not qty else (qty * self.avg_price + signed_qty * price) / new_qty
            if not qty:
                self.trades_opened += 1
            self.quantity = new_qty
            return
        closing = min(abs(signed_qty), abs(qty))
        gain = (price - self.avg_price) * closing
        self.realized_pnl += gain if long else -gain
        new_qty = qty + signed_qty
        if not new_qty:
            self.avg_price = ZERO
        elif (new_qty > ZERO) != long:  # flipped: the remainder opens a new trade at the fill price
            self.avg_price = price
            self.trades_opened += 1
        self.quantity = new_qty

    def unrealized(self, mark: Decimal) -> Decimal:
        return (mark - self.avg_price) * self.quantity if self.quantity else ZERO

    def position(self, symbol: str, ts_event: int, ts_init: int) -> Position:
        """This holding as the domain's ``Position`` of ``symbol``."""
        return Position(
            symbol=symbol,
            quantity=self.quantity,
            avg_price=self.avg_price,
            realized_pnl=self.realized_pnl,
            ts_event=ts_event,
            ts_init=ts_init,
        )


@dataclass(slots=True)
class Portfolio:
    """One account: cash plus holdings, marked to the last known price of each symbol.

    Several instruments share the account's cash; their P&L is in the account's currency, so
    instruments of one portfolio must be quoted in that currency.
    """

    cash: Decimal
    currency: str = "USD"
    holdings: dict[str, Holding] = field(default_factory=dict)
    prices: dict[str, float] = field(default_factory=dict)
    # called before any valuation: the exchange brings ``prices`` up to date only when asked
    refresh: Callable[[], None] | None = field(default=None, repr=False, compare=False)

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

    def positions(self, ts_ns: int) -> list[Position]:
        """Every holding as a ``Position``, stamped ``ts_ns``."""
        return [h.position(s, ts_ns, ts_ns) for s, h in self.holdings.items()]

    def mark(self, symbol: str, price: Decimal | float) -> None:
        self.prices[symbol] = float(price)

    def mark_price(self, symbol: str) -> Decimal | None:
        if self.refresh is not None:
            self.refresh()
        price = self.prices.get(symbol)
        return None if price is None else to_price(price)

    @property
    def marks(self) -> dict[str, Decimal]:
        return {s: to_price(p) for s, p in self.prices.items()}

    def position_value(self, symbol: str) -> Decimal:
        h = self.holdings.get(symbol)
        if h is None or h.quantity == 0:
            return ZERO
        mark = self.mark_price(symbol)
        return h.quantity * (h.avg_price if mark is None else mark)

    @property
    def equity(self) -> Decimal:
        return self.cash + sum((self.position_value(s) for s in self.holdings), ZERO)

    def pnl(self, symbol: str) -> Decimal:
        """Realised plus unrealised P&L of one symbol, net of its commissions."""
        h = self.holdings.get(symbol)
        if h is None:
            return ZERO
        mark = self.mark_price(symbol)
        return h.realized_pnl + h.unrealized(h.avg_price if mark is None else mark) - h.commission
