"""Approval mode: orders wait, persisted, until a person approves or rejects them, or they expire.

The decision is written to the control store by ``freeride orders approve|reject`` or the API
(``ExecutionControl``); the engine picks it up at its next poll. An approved order is checked
against the halts once more (a kill since it was held wins) and sent; a rejected one is closed.
An order left waiting longer than ``timeout_s`` is cancelled with the reason, and its approval is
closed (decided by ``expired``), so a decision taken hours later cannot send a stale order.

Held orders survive a restart, including a ``kill -9``: they are persisted like any order (status
``pending_new``, reason ``awaiting approval``), and on start ``restore`` takes each one in hand
before reconciliation could mistake it for an unsent order: still waiting → held again and
announced (``freeride orders approvals`` lists it); approved or rejected while the engine was
down → sent or closed; older than the timeout → cancelled with the reason. An order whose approval
row was never written (the process died between the two writes) is held again, never sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from freeride.core.clock import NS_PER_SECOND
from freeride.core.orders import Order, OrderStatus
from freeride.core.system import Level
from freeride.execution.desk import OrderDesk
from freeride.ports.execution import Approval, ApprovalState, ControlStore

AWAITING_APPROVAL = "awaiting approval"  # the reason a held order is stored with
EXPIRED_BY = "expired"  # who "decided" an approval that timed out


def describe(order: Order) -> str:
    price = f" @ {order.limit_price}" if order.limit_price is not None else ""
    what = f"{order.side.value} {order.quantity} {order.symbol} {order.order_type.value}{price}"
    return f"{what} ({order.strategy})"


def waiting(order: Order | None) -> bool:
    """Still held: persisted, never sent, not closed (a kill closes held orders)."""
    return order is not None and order.status is OrderStatus.PENDING_NEW and not order.broker_order_id


@dataclass
class Restored:
    """What ``restore`` did with the held orders found on start."""

    handled: set[str] = field(default_factory=set)  # client ids reconciliation must leave alone
    corrections: list[str] = field(default_factory=list)
    approved: list[tuple[Order, str]] = field(default_factory=list)  # approved while down, by whom


class Approvals:
    def __init__(
        self, controls: ControlStore, run_id: str, desk: OrderDesk, *, timeout_s: float = 0.0
    ) -> None:
        """``timeout_s``: how long an order may wait for a decision (0: for ever)."""
        self._controls = controls
        self._run_id = run_id
        self._desk = desk
        self.timeout_s = timeout_s
        self.held: dict[str, int] = {}  # client id → when approval was asked (ns)

    async def hold(self, order: Order, *, again: bool = False) -> None:
        """Ask for a decision (``again``: after a restart; the stored request is kept as it was)."""
        now = self._desk.clock.now_ns()
        summary = describe(order)
        request = Approval(
            run_id=self._run_id,
            client_order_id=order.client_order_id,
            state=ApprovalState.PENDING,
            summary=summary,
            requested_at=now,
        )
        await self._controls.request_approval(request)  # insert-if-absent
        self.held[order.client_order_id] = now
        note = " (held again after a restart)" if again else ""
        self._desk.events.emit(
            Level.WARNING,
            "approval_needed",
            f"order {order.client_order_id} waits for approval{note}: {summary}",
            client_order_id=order.client_order_id,
        )

    async def restore(self, stored_open: list[Order]) -> Restored:
        """On start: hold again, act on, or expire every stored order that waited for approval."""
        approvals = {a.client_order_id: a for a in await self._controls.approvals(self._run_id)}
        done = Restored()
        self.held = {}
        for order in stored_open:
            cid = order.client_order_id
            approval = approvals.get(cid)
            if not waiting(order) or (approval is None and order.reason != AWAITING_APPROVAL):
                continue  # not a held order: reconciliation's to handle
            done.handled.add(cid)
            asked = approval.requested_at if approval is not None else order.ts_init
            state = approval.state if approval is not None else ApprovalState.PENDING
            if state is ApprovalState.REJECTED:
                who = approval.decided_by if approval is not None else None
                self._desk.close_locally(order, OrderStatus.REJECTED, f"rejected by {who or 'operator'}")
                done.corrections.append(f"{cid}: rejected while the engine was down; closed")
            elif self._expired(asked):
                await self._expire(order, asked, approval)
                done.corrections.append(f"{cid}: {self._age(asked)} waiting for approval; cancelled")
            elif approval is not None and state is ApprovalState.APPROVED:
                done.approved.append((order, approval.decided_by or "operator"))
                done.corrections.append(f"{cid}: approved while the engine was down; sent now")
            else:
                await self.hold(order, again=True)
                self.held[cid] = asked  # its age counts from the first request
                done.corrections.append(f"{cid}: still waits for approval; held again")
        return done

    async def decide_approved(self, order: Order, who: str) -> None:
        """Send an approved order, unless a halt came since it was held."""
        desk = self._desk
        halt = desk.halts.blocking(desk.clock.now_ns())
        if halt is not None:
            desk.close_locally(order, OrderStatus.REJECTED, f"approved by {who}, but halted: {halt.reason}")
            return
        desk.events.emit(Level.INFO, "approved", f"order {order.client_order_id} approved by {who}")
        # no longer "awaiting approval": what the broker says next keeps this reason
        await desk.send(desk.book.track(msgspec.structs.replace(order, reason=f"approved by {who}")))

    async def poll(self) -> None:
        desk = self._desk
        self.held = {cid: t for cid, t in self.held.items() if waiting(desk.book.orders.get(cid))}
        if not self.held:
            return
        decided = [
            a
            for a in await self._controls.approvals(self._run_id)
            if a.client_order_id in self.held and a.state is not ApprovalState.PENDING
        ]
        for approval in decided:
            self.held.pop(approval.client_order_id, None)
            order = desk.book.orders.get(approval.client_order_id)
            if order is None or not waiting(order):
                continue
            who = approval.decided_by or "operator"
            if approval.state is ApprovalState.REJECTED:
                desk.close_locally(order, OrderStatus.REJECTED, f"rejected by {who}")
            else:
                await self.decide_approved(order, who)
        for cid, asked in list(self.held.items()):
            order = desk.book.orders.get(cid)
            if order is not None and self._expired(asked):
                del self.held[cid]
                await self._expire(order, asked, None)

    # -- expiry -----------------------------------------------------------------------------------
    def _expired(self, asked_ns: int) -> bool:
        return self.timeout_s > 0 and self._desk.clock.now_ns() - asked_ns > self.timeout_s * NS_PER_SECOND

    def _age(self, asked_ns: int) -> str:
        return f"{(self._desk.clock.now_ns() - asked_ns) / NS_PER_SECOND:.0f} s"

    async def _expire(self, order: Order, asked_ns: int, approval: Approval | None) -> None:
        desk = self._desk
        why = (
            f"approval expired: waited {self._age(asked_ns)}, longer than "
            f"execution.approval_timeout_s ({self.timeout_s:g} s)"
        )
        desk.close_locally(order, OrderStatus.CANCELED, why)
        if approval is None or approval.state is ApprovalState.PENDING:
            await self._controls.decide(
                self._run_id, order.client_order_id, ApprovalState.REJECTED, EXPIRED_BY, desk.clock.now_ns()
            )
        desk.events.emit(
            Level.WARNING,
            "approval_expired",
            f"order {order.client_order_id} cancelled: {why}",
            client_order_id=order.client_order_id,
        )
