"""What the order manager needs from persistence, and the controls other processes can set.

``ExecutionStore`` writes in batches because the order manager persists every intent before it
is sent: one transaction for all intents that arrived together keeps that rule affordable at
thousands of orders a second. ``ControlStore`` holds the kill switch, the other halts and the
approval queue in the database, so ``freeride kill`` in one process stops an engine running in
another (the engine polls it), and a halt outlives a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

import msgspec

from freeride.core.orders import Fill, Order, Position


class HaltKind(StrEnum):
    KILL = "kill"  # the kill switch: open orders cancelled, nothing new goes out
    RECONCILE = "reconcile"  # broker and store disagree beyond explanation: nothing new goes out
    DAILY_LOSS = "daily_loss"  # the day's loss reached its limit: nothing new until the next day
    STORAGE = "storage"  # order intents could not be stored before sending: nothing new goes out


class Halt(msgspec.Struct, frozen=True, kw_only=True):
    """One reason trading is stopped; ``until_ns`` ends it by itself (the daily-loss halt)."""

    kind: HaltKind
    reason: str
    source: str
    since_ns: int
    until_ns: int | None = None

    def active(self, now_ns: int) -> bool:
        return self.until_ns is None or now_ns < self.until_ns


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Approval(msgspec.Struct, frozen=True, kw_only=True):
    """An order held for a person's decision (approval mode)."""

    run_id: str
    client_order_id: str
    state: ApprovalState
    summary: str
    requested_at: int
    decided_at: int | None = None
    decided_by: str | None = None


class FlattenState(StrEnum):
    PENDING = "pending"  # written by ``freeride flatten`` / the API / Discord, not yet acted on
    DONE = "done"  # the engine cancelled the open orders and sent the closing orders
    EXPIRED = "expired"  # no engine acted on it in time: nothing was done


class ClosingOrder(msgspec.Struct, frozen=True, kw_only=True):
    """One market order a flatten sent to close a position (``side`` as ``Side`` values)."""

    client_order_id: str
    symbol: str
    side: str
    quantity: str  # a Decimal as text: exact in JSON
    status: str = ""  # what the order path said right after (``rejected`` with ``reason``)
    reason: str = ""


class FlattenRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A person's request to close every position, and what the engine did about it.

    It travels through the control store like the kill switch, so it reaches the engine whichever
    process runs it; the closing orders' client ids derive from ``request_id``.
    """

    request_id: str
    run_id: str  # the ledger whose positions are closed: only the engine trading it acts
    requested_by: str
    requested_at: int
    state: FlattenState = FlattenState.PENDING
    done_at: int | None = None
    cancelled: int = 0
    orders: list[ClosingOrder] = msgspec.field(default_factory=list)
    note: str = ""


class ExecutionStore(Protocol):
    async def save_orders(self, run_id: str, orders: Sequence[Order]) -> None:
        """Store each order's latest state in one transaction; an older ``ts_event`` never wins."""
        ...

    async def add_orders(self, run_id: str, orders: Sequence[Order]) -> set[str]:
        """Store orders not stored yet, in one transaction; returns the client ids that were new.

        This is the persist-before-send write, and its answer is the de-duplication after a
        restart: an intent whose order is already stored (delivered again) is not new.
        """
        ...

    async def save_fills(self, run_id: str, fills: Sequence[Fill]) -> list[Fill]:
        """Store fills in one transaction; returns those whose ``fill_id`` was new for the run."""
        ...

    async def save_positions(self, run_id: str, positions: Sequence[Position]) -> None: ...

    async def get_order(self, run_id: str, client_order_id: str) -> Order | None: ...

    async def has_orders(self, run_id: str) -> bool:
        """Whether the run ever stored an order (a first start has none)."""
        ...

    async def open_orders(self, run_id: str) -> list[Order]: ...

    async def fills_of(self, run_id: str, client_order_id: str) -> list[Fill]: ...

    async def positions(self, run_id: str) -> list[Position]: ...


class ControlStore(Protocol):
    async def halts(self) -> list[Halt]:
        """Every halt that is set (expired daily-loss halts included; check ``active``)."""
        ...

    async def engage(self, halt: Halt) -> None:
        """Set a halt, replacing one of the same kind."""
        ...

    async def release(self, kinds: Sequence[HaltKind] | None = None) -> list[Halt]:
        """Clear the given kinds (all when ``None``); returns what was cleared."""
        ...

    async def request_approval(self, approval: Approval) -> None: ...

    async def approvals(
        self, run_id: str | None = None, state: ApprovalState | None = None
    ) -> list[Approval]: ...

    async def decide(self, run_id: str, client_order_id: str, state: ApprovalState, by: str, at: int) -> bool:
        """Record a decision on a pending approval; ``False`` when none was pending."""
        ...

    async def request_flatten(self, request: FlattenRequest) -> None:
        """Store a new flatten request (``state`` pending)."""
        ...

    async def flatten_requests(
        self, state: FlattenState | None = None, request_id: str | None = None
    ) -> list[FlattenRequest]:
        """Flatten requests, oldest first, filtered by state and/or id."""
        ...

    async def finish_flatten(self, request: FlattenRequest) -> bool:
        """Store what became of a pending request; ``False`` when it was not pending any more
        (another engine took it)."""
        ...
