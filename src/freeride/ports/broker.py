"""What the order manager needs from a broker, paper or real.

Every broker speaks core types only, with quantities and money in ``Decimal``, and translates
its own faults into ``core.errors`` at its edge:

- ``InvalidInput``: the broker refused the order for good (bad price, no buying power). Resending
  the same order cannot help.
- ``DuplicateOrder`` (an ``InvalidInput``): the client order id is already taken at the broker.
  The id is the idempotency key, so this means "the order exists": look it up, never resend.
- ``UnknownOutcome``: the request may or may not have reached the broker (a timeout after the
  request left, a dropped connection, a 5xx on submit). Look the order up by its client id.
- ``TemporaryError`` / ``RateLimited``: nothing happened; trying again later is safe.
- ``AuthError``: the session is dead or the keys are wrong; stop and tell the operator.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

import msgspec

from freeride.core.errors import InvalidInput
from freeride.core.orders import AccountState, Fill, Order, Position

BrokerUpdate = Order | Fill | Position | AccountState
UpdateListener = Callable[[BrokerUpdate], None]


class DuplicateOrder(InvalidInput):
    """The broker already has an order under this client order id (it is the idempotency key)."""

    def __init__(self, message: str, client_order_id: str) -> None:
        super().__init__(message)
        self.client_order_id = client_order_id


class BrokerAccount(AccountState, frozen=True, kw_only=True):
    """An account as a broker reports it: cash, equity and what it lets us buy with."""

    buying_power: Decimal


class Amendment(msgspec.Struct, frozen=True, kw_only=True):
    """What a ``replace`` changes; a field left ``None`` keeps the order's current value."""

    quantity: Decimal | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None


class SessionState(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to "can this broker trade right now?"; ``expires_at_ns`` when the session has an end."""

    alive: bool
    detail: str = ""
    expires_at_ns: int | None = None


class Broker(Protocol):
    """Orders in, order updates and fills out.

    ``submit`` returns the order as the broker acknowledged it; what happens after (fills,
    cancels, expiries) arrives through the listeners given to ``on_update``, in the order it
    happened. A fill carries the broker's own execution id as ``fill_id``: the same fill may be
    delivered twice (a stream replay, a poll after a reconnect) and is recognised by that id.
    """

    name: str

    async def connect(self) -> None:
        """Open sessions and update streams; a broker with nothing to open returns at once."""
        ...

    async def close(self) -> None: ...

    async def submit(self, order: Order) -> Order: ...

    async def cancel(self, client_order_id: str) -> Order: ...

    async def replace(self, client_order_id: str, new_client_order_id: str, change: Amendment) -> Order:
        """Replace an open order by a new one under ``new_client_order_id``; returns the new order."""
        ...

    async def order_by_client_id(self, client_order_id: str) -> Order | None: ...

    async def order_by_broker_id(self, broker_order_id: str) -> Order | None: ...

    async def open_orders(self) -> list[Order]: ...

    async def positions(self) -> list[Position]: ...

    async def account(self) -> BrokerAccount: ...

    async def session(self) -> SessionState:
        """Whether the session works now; raises ``AuthError`` when it is dead for good."""
        ...

    def on_update(self, listener: UpdateListener) -> None: ...
