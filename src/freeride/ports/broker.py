"""What the order manager needs from a broker, paper or real."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from freeride.core.orders import AccountState, Fill, Order, Position

BrokerUpdate = Order | Fill | Position | AccountState
UpdateListener = Callable[[BrokerUpdate], None]


class Broker(Protocol):
    """Orders in, order updates and fills out; quantities and money in ``Decimal``.

    ``submit`` returns the order as the broker acknowledged it; what happens after (fills,
    cancels, expiries) arrives through the listener given to ``on_update``, in the order it happened.
    """

    name: str

    async def submit(self, order: Order) -> Order: ...

    async def cancel(self, client_order_id: str) -> Order: ...

    async def order_by_client_id(self, client_order_id: str) -> Order | None: ...

    async def open_orders(self) -> list[Order]: ...

    async def positions(self) -> list[Position]: ...

    async def account(self) -> AccountState: ...

    def on_update(self, listener: UpdateListener) -> None: ...
