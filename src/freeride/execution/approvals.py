"""Approval mode: orders wait, persisted, until a person approves or rejects them.

The decision is written to the control store by ``freeride orders approve|reject`` or the API
(``ExecutionControl``); the engine picks it up at its next poll. An approved order is checked
against the halts once more (a kill since it was held wins) and sent; a rejected one is closed.
Held orders survive a restart: they are persisted like any order, and the pending approvals are
read back on start, so reconciliation leaves them alone instead of taking them for unsent orders.
"""

from __future__ import annotations

from freeride.core.orders import Order, OrderStatus
from freeride.core.system import Level
from freeride.execution.desk import OrderDesk
from freeride.ports.execution import Approval, ApprovalState, ControlStore


def describe(order: Order) -> str:
    price = f" @ {order.limit_price}" if order.limit_price is not None else ""
    what = f"{order.side.value} {order.quantity} {order.symbol} {order.order_type.value}{price}"
    return f"{what} ({order.strategy})"


class Approvals:
    def __init__(self, controls: ControlStore, run_id: str, desk: OrderDesk) -> None:
        self._controls = controls
        self._run_id = run_id
        self._desk = desk
        self.held: set[str] = set()

    async def load(self) -> set[str]:
        """Orders still waiting for a decision (after a restart)."""
        pending = await self._controls.approvals(self._run_id, ApprovalState.PENDING)
        self.held = {a.client_order_id for a in pending}
        return set(self.held)

    async def hold(self, order: Order) -> None:
        now = self._desk.clock.now_ns()
        summary = describe(order)
        await self._controls.request_approval(
            Approval(
                run_id=self._run_id,
                client_order_id=order.client_order_id,
                state=ApprovalState.PENDING,
                summary=summary,
                requested_at=now,
            )
        )
        self.held.add(order.client_order_id)
        self._desk.events.emit(
            Level.WARNING,
            "approval_needed",
            f"order {order.client_order_id} waits for approval: {summary}",
            client_order_id=order.client_order_id,
        )

    async def poll(self) -> None:
        desk = self._desk
        self.held = {cid for cid in self.held if _waiting(desk.book.orders.get(cid))}  # closed meanwhile
        if not self.held:
            return
        decided = [
            a
            for a in await self._controls.approvals(self._run_id)
            if a.client_order_id in self.held and a.state is not ApprovalState.PENDING
        ]
        for approval in decided:
            self.held.discard(approval.client_order_id)
            order = desk.book.orders.get(approval.client_order_id)
            if order is None or not _waiting(order):
                continue
            who = approval.decided_by or "operator"
            if approval.state is ApprovalState.REJECTED:
                desk.close_locally(order, OrderStatus.REJECTED, f"rejected by {who}")
                continue
            halt = desk.halts.blocking(desk.clock.now_ns())
            if halt is not None:
                desk.close_locally(
                    order, OrderStatus.REJECTED, f"approved by {who}, but halted: {halt.reason}"
                )
                continue
            desk.events.emit(Level.INFO, "approved", f"order {order.client_order_id} approved by {who}")
            await desk.send(order)


def _waiting(order: Order | None) -> bool:
    """Still held: persisted, never sent, not closed (a kill closes held orders)."""
    return order is not None and order.status is OrderStatus.PENDING_NEW and not order.broker_order_id
