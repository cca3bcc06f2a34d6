"""Order matching against bars for one simulated account.

Pure and synchronous: it is given orders and bars and answers with the updates they cause. The
paper broker wraps it for live quotes and the backtester drives it directly, so a paper fill and
a backtest fill are computed by the same lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

import msgspec

from freeride.core.errors import InvalidInput
from freeride.core.market import Bar
from freeride.core.orders import AccountState, Fill, Order, OrderStatus, OrderType, Position, Side
from freeride.exchange.costs import PercentCommission
from freeride.exchange.portfolio import Portfolio

Update = Order | Fill | Position | AccountState


class FillTiming(StrEnum):
    """When a market order fills: at the next bar's open (no look-ahead) or at the last close seen."""

    NEXT_OPEN = "next_open"
    CLOSE = "close"


def to_price(value: float) -> Decimal:
    """A float market price as the ``Decimal`` it was written as (``repr`` is the shortest round-trip)."""
    return Decimal(repr(value))


@dataclass(frozen=True, slots=True)
class ExchangeConfig:
    commission: PercentCommission
    fill_timing: FillTiming = FillTiming.NEXT_OPEN
    name: str = "sim"


class SimulatedExchange:
    """Accepts orders, fills them on the next bar (or the last close), books cash and positions."""

    def __init__(self, portfolio: Portfolio, config: ExchangeConfig) -> None:
        self.portfolio = portfolio
        self.config = config
        self._pending: dict[str, list[Order]] = {}
        self._orders: dict[str, Order] = {}
        self._last_bar: dict[str, Bar] = {}
        self._seq = 0

    # -- orders --------------------------------------------------------------------------------
    def submit(self, order: Order, now_ns: int) -> tuple[Order, list[Update]]:
        """Accept or reject ``order`` and return the acknowledgement with any immediate fills.

        With ``CLOSE`` timing a market order fills at once at the last close seen.
        """
        known = self._orders.get(order.client_order_id)
        if known is not None:  # the idempotency key: a resend is the same order, never a second one
            return known, []
        problem = self._reject_reason(order)
        if problem:
            rejected = _evolve(order, status=OrderStatus.REJECTED, reason=problem, ts_init=now_ns)
            self._orders[order.client_order_id] = rejected
            return rejected, []
        self._seq += 1
        accepted = _evolve(
            order,
            broker_order_id=f"{self.config.name}-{self._seq}",
            status=OrderStatus.ACCEPTED,
            ts_init=now_ns,
        )
        self._orders[order.client_order_id] = accepted
        last = self._last_bar.get(order.symbol)
        if self.config.fill_timing is FillTiming.CLOSE and last is not None:
            fills = self._fill(accepted, to_price(last.close), last.ts_event, now_ns)
            return accepted, [*fills, self.account_state(last.ts_event, now_ns)]
        self._pending.setdefault(order.symbol, []).append(accepted)
        return accepted, []

    def _reject_reason(self, order: Order) -> str:
        if order.quantity <= 0:
            return f"quantity must be positive, got {order.quantity}"
        if order.order_type is not OrderType.MARKET:
            return f"the simulated exchange fills market orders only so far, not {order.order_type.value}"
        return ""

    def cancel(self, client_order_id: str, now_ns: int) -> Order:
        order = self._orders.get(client_order_id)
        if order is None:
            raise InvalidInput(f"no order with client id {client_order_id!r}")
        if not order.status.is_open:
            return order
        pending = self._pending.get(order.symbol, [])
        self._pending[order.symbol] = [o for o in pending if o.client_order_id != client_order_id]
        canceled = _evolve(order, status=OrderStatus.CANCELED, ts_init=now_ns)
        self._orders[client_order_id] = canceled
        return canceled

    def order(self, client_order_id: str) -> Order | None:
        return self._orders.get(client_order_id)

    def open_orders(self) -> list[Order]:
        return [o for o in self._orders.values() if o.status.is_open]

    # -- market data ---------------------------------------------------------------------------
    def on_bar(self, bar: Bar, now_ns: int) -> list[Update]:
        """Fill what waits for this symbol at the bar's open, then mark the book to its close.

        After any fill the account state follows, valued at the bar's close.
        """
        updates: list[Update] = []
        pending = self._pending.pop(bar.symbol, None)
        if pending:
            price = to_price(bar.open)
            for order in pending:
                updates.extend(self._fill(order, price, bar.ts_event, now_ns))
        self._last_bar[bar.symbol] = bar
        self.portfolio.mark(bar.symbol, to_price(bar.close))
        if updates:
            updates.append(self.account_state(bar.ts_event, now_ns))
        return updates

    def _fill(self, order: Order, price: Decimal, ts_event: int, now_ns: int) -> list[Update]:
        signed = order.quantity if order.side is Side.BUY else -order.quantity
        commission = self.config.commission.charge(order.quantity, price)
        holding = self.portfolio.book_fill(order.symbol, signed, price, commission)
        filled = _evolve(
            order,
            status=OrderStatus.FILLED,
            filled_quantity=order.quantity,
            avg_fill_price=price,
            ts_event=ts_event,
            ts_init=now_ns,
        )
        self._orders[order.client_order_id] = filled
        fill = Fill(
            fill_id=f"{order.broker_order_id}-1",
            client_order_id=order.client_order_id,
            broker_order_id=order.broker_order_id,
            strategy=order.strategy,
            symbol=order.symbol,
            side=order.side,
            quantity=order.quantity,
            price=price,
            commission=commission,
            ts_event=ts_event,
            ts_init=now_ns,
        )
        position = Position(
            symbol=order.symbol,
            quantity=holding.quantity,
            avg_price=holding.avg_price,
            realized_pnl=holding.realized_pnl,
            ts_event=ts_event,
            ts_init=now_ns,
        )
        return [filled, fill, position]

    def account_state(self, ts_event: int, now_ns: int) -> AccountState:
        p = self.portfolio
        return AccountState(
            account=self.config.name,
            currency=p.currency,
            cash=p.cash,
            equity=p.equity,
            ts_event=ts_event,
            ts_init=now_ns,
        )

    def positions(self, now_ns: int) -> list[Position]:
        return [
            Position(
                symbol=s,
                quantity=h.quantity,
                avg_price=h.avg_price,
                realized_pnl=h.realized_pnl,
                ts_event=now_ns,
                ts_init=now_ns,
            )
            for s, h in self.portfolio.holdings.items()
        ]


def _evolve(order: Order, **changes: object) -> Order:
    return msgspec.structs.replace(order, **changes)
