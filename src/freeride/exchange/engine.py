"""Order matching against bars for one simulated account, which may hold several instruments.

Pure and synchronous: it is given orders and bars and answers with the updates they cause. The
paper broker wraps it for live quotes and the backtester drives it directly, so a paper fill and
a backtest fill are computed by the same lines.

The per-bar path is kept to a dict miss and two dict stores when nothing waits for the symbol: a
backtest calls ``on_bar`` for every bar, and the book is valued only when asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

import msgspec

from freeride.core.errors import InvalidInput
from freeride.core.market import Bar, Quote
from freeride.core.orders import (
    AccountState,
    Fill,
    Order,
    OrderStatus,
    OrderType,
    Position,
    Side,
    TimeInForce,
    fill_of,
)
from freeride.exchange.costs import NO_IMPACT, Commission, PercentCommission, PriceImpact
from freeride.exchange.matching import Resting, match_bar, match_close, price_problem, resting
from freeride.exchange.portfolio import Portfolio, to_price
from freeride.exchange.quotes import QuoteBook

__all__ = ["ExchangeConfig", "FillTiming", "SimulatedExchange", "Update", "to_price"]

Update = Order | Fill | Position | AccountState


class FillTiming(StrEnum):
    """When a market order fills: at the next bar's open (no look-ahead) or at the last close seen."""

    NEXT_OPEN = "next_open"
    CLOSE = "close"


@dataclass(frozen=True, slots=True)
class ExchangeConfig:
    """How the exchange fills and charges.

    ``account_updates`` adds an ``AccountState`` after each batch of fills and
    ``position_updates`` a ``Position`` after each fill: the live bus wants both, a backtest
    values the book once at the end and reads positions from the portfolio.
    """

    commission: Commission = field(default_factory=lambda: PercentCommission(Decimal(0)))
    fill_timing: FillTiming = FillTiming.NEXT_OPEN
    name: str = "sim"
    impact: PriceImpact = NO_IMPACT
    account_updates: bool = True
    position_updates: bool = True


class SimulatedExchange:
    """Accepts orders, fills them against bars (or the last close), books cash and positions."""

    def __init__(self, portfolio: Portfolio, config: ExchangeConfig) -> None:
        self.portfolio = portfolio
        self.config = config
        self._pending: dict[str, list[Resting]] = {}
        self._orders: dict[str, Order] = {}
        self._last_bar: dict[str, Bar] = {}
        self._by_broker_id: dict[str, str] = {}
        self.quotes = QuoteBook()
        # read-only views for a driver that skips ``on_bar`` while nothing waits (see ``fast_path``)
        self.waiting: Mapping[str, list[Resting]] = self._pending
        self.last_bars: dict[str, Bar] = self._last_bar
        self._seq = 0
        self._close_timing = config.fill_timing is FillTiming.CLOSE
        self._impact = None if config.impact.is_zero else config.impact
        self._charge = config.commission.charge
        self._prefix = f"{config.name}-"
        portfolio.refresh = self._refresh_prices

    def _refresh_prices(self) -> None:
        """Marks follow the last bar of each symbol; copied only when the book is valued."""
        prices = self.portfolio.prices
        for symbol, bar in self._last_bar.items():
            prices[symbol] = bar.close
        if self.quotes.last:  # live quotes (paper trading) mark at the mid when newer than the bar
            for symbol, q in self.quotes.last.items():
                seen = self._last_bar.get(symbol)
                if seen is None or q.ts_event >= seen.ts_event:
                    prices[symbol] = q.mid

    # -- orders --------------------------------------------------------------------------------
    def submit(self, order: Order, now_ns: int) -> tuple[Order, list[Update]]:
        """Accept or reject ``order`` and return the acknowledgement with any immediate fills.

        With ``CLOSE`` timing an order marketable at the last close fills at once at that close.
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
            broker_order_id=f"{self._prefix}{self._seq}",
            status=OrderStatus.ACCEPTED,
            ts_init=now_ns,
        )
        self._orders[order.client_order_id] = accepted
        self._by_broker_id[f"{self._prefix}{self._seq}"] = order.client_order_id
        quote = self.quotes.last.get(order.symbol)
        if quote is not None:  # live paper trading: the current quote decides
            return accepted, self._with_account(self._quote_submit(accepted, now_ns), quote.ts_event, now_ns)
        last = self._last_bar.get(order.symbol)
        if self._close_timing and last is not None and order.order_type is OrderType.MARKET:
            fills = self._fill(accepted, last.close, True, last.ts_event, now_ns)
            return accepted, self._with_account(fills, last.ts_event, now_ns)
        r = resting(accepted)
        if self._close_timing and last is not None:
            price, market_like = match_close(r, last.close)
            if price is not None:
                fills = self._fill(accepted, price, market_like, last.ts_event, now_ns)
                return accepted, self._with_account(fills, last.ts_event, now_ns)
            if order.time_in_force is TimeInForce.IOC:
                return accepted, [self._expire(accepted, OrderStatus.CANCELED, now_ns)]
        self._pending.setdefault(order.symbol, []).append(r)
        return accepted, []

    def _reject_reason(self, order: Order) -> str:
        if order.quantity <= 0:
            return f"quantity must be positive, got {order.quantity}"
        if order.order_type is OrderType.MARKET and order.limit_price is None and order.stop_price is None:
            return ""
        return price_problem(order)

    def cancel(self, client_order_id: str, now_ns: int) -> Order:
        order = self._orders.get(client_order_id)
        if order is None:
            raise InvalidInput(f"no order with client id {client_order_id!r}")
        if not order.status.is_open:
            return order
        self._drop_pending(order)
        canceled = _evolve(order, status=OrderStatus.CANCELED, ts_init=now_ns)
        self._orders[client_order_id] = canceled
        return canceled

    def _drop_pending(self, order: Order) -> None:
        left = [
            r for r in self._pending.get(order.symbol, []) if r.order.client_order_id != order.client_order_id
        ]
        if left:
            self._pending[order.symbol] = left
        else:
            self._pending.pop(order.symbol, None)

    def order(self, client_order_id: str) -> Order | None:
        return self._orders.get(client_order_id)

    def order_by_broker_id(self, broker_order_id: str) -> Order | None:
        client_order_id = self._by_broker_id.get(broker_order_id)
        return None if client_order_id is None else self._orders.get(client_order_id)

    def replace(self, client_order_id: str, new: Order, now_ns: int) -> tuple[Order, list[Update]]:
        """Cancel an open order and submit ``new`` in its place (a new client id, new terms)."""
        old = self._orders.get(client_order_id)
        if old is None:
            raise InvalidInput(f"no order with client id {client_order_id!r}")
        if not old.status.is_open:
            raise InvalidInput(
                f"order {client_order_id!r} is {old.status.value}; only open orders can change"
            )
        if new.client_order_id in self._orders:
            raise InvalidInput(f"client order id {new.client_order_id!r} is already used")
        self._drop_pending(old)
        replaced = _evolve(
            old, status=OrderStatus.CANCELED, reason=f"replaced by {new.client_order_id}", ts_init=now_ns
        )
        self._orders[client_order_id] = replaced
        ack, updates = self.submit(new, now_ns)
        return ack, [replaced, *updates]

    def open_orders(self) -> list[Order]:
        return [o for o in self._orders.values() if o.status.is_open]

    def used_ids(self, broker_order_ids: Iterable[str | None]) -> None:
        """Number new orders after these (a continued account's earlier orders): a broker id, and
        the fill ids made from it, must never repeat, or a new fill would pass for an old one."""
        for bid in broker_order_ids:
            if bid is not None and bid.startswith(self._prefix):
                tail = bid.removeprefix(self._prefix)
                if tail.isdigit():
                    self._seq = max(self._seq, int(tail))

    def restore(self, order: Order, fills: int = 0) -> None:
        """Put an order that was open before a restart back on the book as it stood: its broker
        id, what had filled and its ``fills`` numbered fills kept, so a paper account continues
        where it stopped. Orders never accepted (no broker id) are left to reconciliation."""
        if not order.status.is_open or not order.broker_order_id:
            return
        cid, bid = order.client_order_id, order.broker_order_id
        self._orders[cid] = order
        self._by_broker_id[bid] = cid
        self.used_ids([bid])
        self.quotes.continue_numbering(cid, fills)
        self._pending.setdefault(order.symbol, []).append(resting(order))

    # -- market data ---------------------------------------------------------------------------
    def on_quote(self, quote: Quote, now_ns: int) -> list[Update]:
        """Fill what waits for this symbol at the quote (buys at the ask, sells at the bid).

        A side with a size fills at most that many units per quote, so a large order fills in
        parts over several quotes; a quote without sizes fills whatever waits.
        """
        self.quotes.last[quote.symbol] = quote
        waiting = self._pending.get(quote.symbol)
        if not waiting:
            return []
        updates, keep = self.quotes.match(waiting, quote, self._fill_part, self._expire, now_ns)
        if keep:
            self._pending[quote.symbol] = keep
        else:
            self._pending.pop(quote.symbol, None)
        return self._with_account(updates, quote.ts_event, now_ns) if updates else updates

    def _quote_submit(self, order: Order, now_ns: int) -> list[Update]:
        r = resting(order)
        quote = self.quotes.last[order.symbol]
        updates, keep = self.quotes.match([r], quote, self._fill_part, self._expire, now_ns)
        if keep:
            if order.time_in_force is TimeInForce.IOC:
                updates.append(self._expire(keep[0].order, OrderStatus.CANCELED, now_ns))
            else:
                self._pending.setdefault(order.symbol, []).extend(keep)
        return updates

    def _fill_part(
        self, order: Order, quantity: Decimal, price_f: float, market_like: bool, ts_event: int, now_ns: int
    ) -> list[Update]:
        """Fill ``quantity`` of ``order``: one numbered fill, the order partly or fully filled."""
        buy = order.side is Side.BUY
        price = to_price(price_f)
        if market_like and self._impact is not None:
            price = self._impact.adjust(price, 1 if buy else -1)
        elif not market_like and order.limit_price is not None:
            price = min(price, order.limit_price) if buy else max(price, order.limit_price)
        commission = self._charge(quantity, price)
        holding = self.portfolio.book_fill(order.symbol, quantity if buy else -quantity, price, commission)
        filled_qty = order.filled_quantity + quantity
        avg = (
            price
            if order.avg_fill_price is None
            else ((order.avg_fill_price * order.filled_quantity + price * quantity) / filled_qty)
        )
        done = filled_qty >= order.quantity
        updated = msgspec.structs.replace(
            order,
            status=OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED,
            filled_quantity=filled_qty,
            avg_fill_price=avg,
            ts_event=ts_event,
            ts_init=now_ns,
        )
        self._orders[order.client_order_id] = updated
        seq = self.quotes.next_fill_number(order.client_order_id)
        fill = fill_of(
            order,
            fill_id=f"{order.broker_order_id}-{seq}",
            quantity=quantity,
            price=price,
            commission=commission,
            ts_event=ts_event,
            ts_init=now_ns,
        )
        out: list[Update] = [updated, fill]
        if self.config.position_updates:
            out.append(holding.position(order.symbol, ts_event, now_ns))
        return out

    def on_bar(self, bar: Bar, now_ns: int) -> list[Update]:
        """Fill what waits for this symbol against this bar, then remember the bar as the last one.

        After any fill the account state follows (when configured), valued at the bar's close.
        """
        self._last_bar[bar.symbol] = bar
        if self._pending and bar.symbol in self._pending:
            return self._match(bar, now_ns)
        return []

    def _match(self, bar: Bar, now_ns: int) -> list[Update]:
        updates: list[Update] = []
        waiting: list[Resting] = []
        for r in self._pending.pop(bar.symbol):
            price, market_like = match_bar(r, bar.open, bar.high, bar.low)
            if price is not None:
                updates.extend(self._fill(r.order, price, market_like, bar.ts_event, now_ns))
                continue
            r.bars_seen += 1
            tif = r.order.time_in_force
            if tif is TimeInForce.GTC:
                waiting.append(r)
            else:  # DAY and IOC orders live for one bar
                status = OrderStatus.EXPIRED if tif is TimeInForce.DAY else OrderStatus.CANCELED
                updates.append(self._expire(r.order, status, now_ns))
        if waiting:
            self._pending[bar.symbol] = waiting
        return self._with_account(updates, bar.ts_event, now_ns) if updates else updates

    def _with_account(self, updates: list[Update], ts_event: int, now_ns: int) -> list[Update]:
        if self.config.account_updates and any(type(u) is Fill for u in updates):
            updates.append(self.account_state(ts_event, now_ns))
        return updates

    def _expire(self, order: Order, status: OrderStatus, now_ns: int) -> Order:
        ended = _evolve(order, status=status, ts_init=now_ns)
        self._orders[order.client_order_id] = ended
        return ended

    def _fill(
        self, order: Order, price_f: float, market_like: bool, ts_event: int, now_ns: int
    ) -> list[Update]:
        buy = order.side is Side.BUY
        quantity = order.quantity
        price = to_price(price_f)
        if market_like:
            if self._impact is not None:
                price = self._impact.adjust(price, 1 if buy else -1)
        elif order.limit_price is not None:  # a limit fill is never worse than its limit
            price = min(price, order.limit_price) if buy else max(price, order.limit_price)
        commission = self._charge(quantity, price)
        holding = self.portfolio.book_fill(order.symbol, quantity if buy else -quantity, price, commission)
        filled = msgspec.structs.replace(
            order,
            status=OrderStatus.FILLED,
            filled_quantity=quantity,
            avg_fill_price=price,
            ts_event=ts_event,
            ts_init=now_ns,
        )
        self._orders[order.client_order_id] = filled
        fill = fill_of(
            order,
            fill_id=f"{order.broker_order_id}-1",
            quantity=quantity,
            price=price,
            commission=commission,
            ts_event=ts_event,
            ts_init=now_ns,
        )
        if not self.config.position_updates:
            return [filled, fill]
        return [filled, fill, holding.position(order.symbol, ts_event, now_ns)]

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
        return self.portfolio.positions(now_ns)


def _evolve(order: Order, **changes: object) -> Order:
    return msgspec.structs.replace(order, **changes)
