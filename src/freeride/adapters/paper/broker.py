"""Paper trading through the same matching engine the backtester uses.

It needs market data to fill: the composition root feeds it every bar of its symbols through
``on_bar`` (first, before strategies see the bar), and it reports fills through the listener.
"""

from __future__ import annotations

from freeride.core.clock import Clock
from freeride.core.market import Bar
from freeride.core.orders import AccountState, Order, Position
from freeride.exchange.engine import SimulatedExchange, Update
from freeride.ports.broker import UpdateListener


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

    async def submit(self, order: Order) -> Order:
        ack, fills = self.exchange.submit(order, self._clock.now_ns())
        self._emit([ack, *fills])  # the update stream carries the ack too, as a real broker's does
        return ack

    async def cancel(self, client_order_id: str) -> Order:
        canceled = self.exchange.cancel(client_order_id, self._clock.now_ns())
        self._emit([canceled])
        return canceled

    async def order_by_client_id(self, client_order_id: str) -> Order | None:
        return self.exchange.order(client_order_id)

    async def open_orders(self) -> list[Order]:
        return self.exchange.open_orders()

    async def positions(self) -> list[Position]:
        return self.exchange.positions(self._clock.now_ns())

    async def account(self) -> AccountState:
        now = self._clock.now_ns()
        return self.exchange.account_state(now, now)

    def on_bar(self, bar: Bar) -> None:
        self._emit(self.exchange.on_bar(bar, self._clock.now_ns()))
