"""Paper trading through the same matching engine the backtester uses.

It needs market data to fill. In a replay the composition root feeds it every bar of its symbols
through ``on_bar`` (first, before strategies see the bar); trading live it feeds it the gateway's
quotes and trades through ``on_quote`` / ``on_trade``, and orders fill at the touch (buys at the
ask, sells at the bid, a trade print counting as both). Fills are reported through the listeners.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from freeride.core.clock import Clock
from freeride.core.errors import InvalidInput
from freeride.core.market import Bar, Quote, Trade
from freeride.core.orders import Order, OrderStatus, Position
from freeride.exchange.engine import SimulatedExchange, Update
from freeride.ports.broker import Amendment, BrokerAccount, SessionState, UpdateListener


class PaperBroker:
    def __init__(self, exchange: SimulatedExchange, clock: Clock, name: str = "paper") -> None:
        self.name = name
        self.exchange = exchange
        self._clock = clock
        self._listeners: list[UpdateListener] = []

    def on_update(self, listener: UpdateListener) -> None:
        self._listeners.append(listener)

    def _emit(self, updates: list[Update]) -> None:
        for update in updates:
            for listener in self._listeners:
                listener(update)

    async def connect(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def session(self) -> SessionState:
        return SessionState(alive=True, detail="paper: always open")

    async def submit(self, order: Order) -> Order:
        ack, fills = self.exchange.submit(order, self._clock.now_ns())
        self._emit([ack, *fills])  # the update stream carries the ack too, as a real broker's does
        return ack

    async def cancel(self, client_order_id: str) -> Order:
        canceled = self.exchange.cancel(client_order_id, self._clock.now_ns())
        self._emit([canceled])
        return canceled

    async def replace(self, client_order_id: str, new_client_order_id: str, change: Amendment) -> Order:
        old = self.exchange.order(client_order_id)
        if old is None:
            raise InvalidInput(f"no order with client id {client_order_id!r}")
        now = self._clock.now_ns()
        new = msgspec.structs.replace(
            old,
            client_order_id=new_client_order_id,
            broker_order_id=None,
            quantity=change.quantity if change.quantity is not None else old.quantity - old.filled_quantity,
            limit_price=change.limit_price if change.limit_price is not None else old.limit_price,
            stop_price=change.stop_price if change.stop_price is not None else old.stop_price,
            status=OrderStatus.PENDING_NEW,
            filled_quantity=Decimal(0),
            avg_fill_price=None,
            reason="",
            ts_init=now,
        )
        ack, updates = self.exchange.replace(client_order_id, new, now)
        self._emit(updates)
        return ack

    async def order_by_client_id(self, client_order_id: str) -> Order | None:
        return self.exchange.order(client_order_id)

    async def order_by_broker_id(self, broker_order_id: str) -> Order | None:
        return self.exchange.order_by_broker_id(broker_order_id)

    async def open_orders(self) -> list[Order]:
        return self.exchange.open_orders()

    async def positions(self) -> list[Position]:
        return self.exchange.positions(self._clock.now_ns())

    async def account(self) -> BrokerAccount:
        now = self._clock.now_ns()
        state = self.exchange.account_state(now, now)
        return BrokerAccount(
            account=state.account,
            currency=state.currency,
            cash=state.cash,
            equity=state.equity,
            buying_power=max(state.cash, Decimal(0)),
            ts_event=state.ts_event,
            ts_init=state.ts_init,
        )

    def on_bar(self, bar: Bar) -> None:
        self._emit(self.exchange.on_bar(bar, self._clock.now_ns()))

    def on_quote(self, quote: Quote) -> None:
        self._emit(self.exchange.on_quote(quote, self._clock.now_ns()))

    def on_trade(self, trade: Trade) -> None:
        """A print at ``price`` is a quote at that price on both sides, with its size on each."""
        quote = Quote(
            symbol=trade.symbol,
            bid=trade.price,
            ask=trade.price,
            bid_size=trade.size,
            ask_size=trade.size,
            ts_event=trade.ts_event,
            ts_init=trade.ts_init,
        )
        self.on_quote(quote)
