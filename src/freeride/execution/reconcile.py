"""Reconciliation on start: make the store agree with each broker, or stop trading and say why.

What it can explain, it corrects and records (a system event per correction):

- an order the store has open that the broker has moved on (filled, cancelled, expired): the
  broker's state is adopted, and fills the store never saw are booked from the broker's filled
  quantity and average price (one fill for the gap, ``fill_id`` ``reconcile:<order>:<filled>``);
- an order persisted but never sent (the process died between the two): sent now if it is younger
  than ``resend_unsent_within_s``, closed as cancelled otherwise; an order held for approval is
  never taken for one (``Approvals.restore``: held again, acted on, or expired);
- a first start (nothing stored yet) next to positions the broker already holds: they are adopted
  as the starting point.

What it cannot explain halts trading (``HaltKind.RECONCILE``, a critical system event): an order
the store saw acknowledged that the broker does not know, a broker order carrying our id prefix
that the store never saw, more fills stored than the broker reports, a position that differs from
what the store and the fills say. A missing position report is not taken as evidence of flat.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from freeride.core.errors import FreerideError
from freeride.core.orders import Fill, Order, OrderStatus, Position, fill_of
from freeride.core.system import Level
from freeride.execution.approvals import Approvals
from freeride.execution.desk import OrderDesk
from freeride.ports.execution import ExecutionStore, HaltKind

OUR_PREFIX = "fr-"
ZERO = Decimal(0)


class Reconciler:
    def __init__(
        self,
        desk: OrderDesk,
        store: ExecutionStore,
        run_id: str,
        approvals: Approvals,
        *,
        resend_unsent_within_s: float,
    ) -> None:
        self.desk = desk
        self.store = store
        self.run_id = run_id
        self.approvals = approvals
        self.resend_unsent_within_s = resend_unsent_within_s
        self.corrections: list[str] = []
        self.problems: list[str] = []
        self._resend: list[Order] = []

    async def run(self) -> None:
        desk = self.desk
        stored_open = await self.store.open_orders(self.run_id)
        stored_positions = await self.store.positions(self.run_id)
        for position in stored_positions:
            desk.book.set_position(position)
        for order in stored_open:
            desk.book.track(order)
            for fill in await self.store.fills_of(self.run_id, order.client_order_id):
                desk.book.fill_ids.add(fill.fill_id)
        restored = await self.approvals.restore(stored_open)  # held orders first: never resent
        self.corrections += restored.corrections
        for order in stored_open:
            if order.client_order_id not in restored.handled:
                await self._order(order)
        await self._broker_orders()
        first_start = not stored_positions and not await self.store.has_orders(self.run_id)
        await self._positions(first_start=first_start)
        self._report()
        if self.problems:
            await desk.halts.engage(HaltKind.RECONCILE, "; ".join(self.problems[:5]), "reconcile")
        else:
            for order in self._resend:
                await desk.send(order)
        for order, who in restored.approved:  # refused by the halt if one holds
            await self.approvals.decide_approved(order, who)

    async def _order(self, order: Order) -> None:
        desk = self.desk
        cid = order.client_order_id
        broker = desk.brokers.for_strategy(order.strategy)
        if broker is None:
            self.problems.append(f"{cid}: no broker is configured for strategy {order.strategy!r}")
            return
        found, absent = await desk.sender.lookup(broker, cid, confirmations=1)
        if found is not None:
            await self._adopt(order, found)
            return
        if not absent:
            self.problems.append(f"{cid}: {broker.name} could not be asked about it")
            return
        if order.status is OrderStatus.PENDING_NEW and not order.broker_order_id:
            age_s = (desk.clock.now_ns() - order.ts_init) / 1e9
            if age_s <= self.resend_unsent_within_s:
                self.corrections.append(f"{cid}: persisted but never sent; sent now")
                self._resend.append(order)
            else:
                desk.close_locally(
                    order, OrderStatus.CANCELED, f"never reached the broker; {age_s:.0f} s old at restart"
                )
                self.corrections.append(f"{cid}: persisted but never sent, {age_s:.0f} s old; cancelled")
            return
        self.problems.append(f"{cid} was {order.status.value} at {broker.name}, which no longer knows it")

    async def _adopt(self, stored: Order, found: Order) -> None:
        desk = self.desk
        cid = stored.client_order_id
        fills = await self.store.fills_of(self.run_id, cid)
        have = sum((f.quantity for f in fills), ZERO)
        gap = found.filled_quantity - have
        if gap < 0:
            self.problems.append(
                f"{cid}: the store has {have} filled, the broker only {found.filled_quantity}"
            )
            return
        if gap > 0:
            desk.on_fill(self._gap_fill(stored, found, fills, gap))
            self.corrections.append(f"{cid}: booked {gap} filled while away")
        if found.status is not stored.status:
            self.corrections.append(f"{cid}: {stored.status.value} → {found.status.value}")
        desk.on_order(found)

    def _gap_fill(self, stored: Order, found: Order, fills: list[Fill], gap: Decimal) -> Fill:
        booked = sum((f.quantity * f.price for f in fills), ZERO)
        avg = found.avg_fill_price or stored.limit_price or ZERO
        price = (avg * found.filled_quantity - booked) / gap if avg else ZERO
        now = self.desk.clock.now_ns()
        return fill_of(
            msgspec.structs.replace(stored, broker_order_id=found.broker_order_id),
            fill_id=f"reconcile:{found.broker_order_id or stored.client_order_id}:{found.filled_quantity}",
            quantity=gap,
            price=price,
            ts_event=max(found.ts_event, stored.ts_event),
            ts_init=now,
        )

    async def _broker_orders(self) -> None:
        desk = self.desk
        for broker in desk.brokers.all():
            try:
                open_at_broker = await broker.open_orders()
            except FreerideError as exc:
                self.problems.append(f"{broker.name}: open orders could not be read: {exc}")
                continue
            for order in open_at_broker:
                cid = order.client_order_id
                if cid in desk.book.orders:
                    continue
                if not cid.startswith(OUR_PREFIX):
                    desk.events.emit(
                        Level.WARNING,
                        "foreign_order",
                        f"{broker.name}: open order {cid} was not placed by freeride",
                    )
                    continue
                stored = await self.store.get_order(self.run_id, cid)
                if stored is None:
                    self.problems.append(f"{broker.name} has our order {cid}, which the store never saw")
                    continue
                desk.book.track(msgspec.structs.replace(stored, status=OrderStatus.SUBMITTED))
                await self._adopt(stored, order)

    async def _positions(self, *, first_start: bool) -> None:
        desk = self.desk
        at_broker: dict[str, Decimal] = {}
        held: list[list[Position]] = []
        for broker in desk.brokers.all():
            try:
                held.append(await broker.positions())
                for position in held[-1]:
                    at_broker[position.symbol] = at_broker.get(position.symbol, ZERO) + position.quantity
            except FreerideError as exc:
                self.problems.append(f"{broker.name}: positions could not be read: {exc}")
                return
        expected = desk.book.positions
        if first_start and any(at_broker.values()):
            adopted = [p for b in held for p in b if p.quantity]
            for position in adopted:
                desk.book.set_position(position)
            await self.store.save_positions(self.run_id, adopted)
            self.corrections.append(f"first start: adopted {len(adopted)} positions held at the broker")
            return
        for symbol in sorted(set(at_broker) | set(expected)):
            want, have = expected.get(symbol, ZERO), at_broker.get(symbol, ZERO)
            if want != have:
                self.problems.append(f"{symbol}: the store says {want}, the broker holds {have}")

    def _report(self) -> None:
        desk = self.desk
        for text in self.corrections:
            desk.events.emit(Level.WARNING, "reconciled", text)
        desk.events.emit(
            Level.INFO if not self.problems else Level.CRITICAL,
            "reconcile_done",
            f"reconciliation: {len(self.corrections)} corrections, {len(self.problems)} unexplained",
            corrections=len(self.corrections),
            problems=len(self.problems),
        )
