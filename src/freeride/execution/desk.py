"""The order manager's working parts, owned by it and handed to its helpers.

Reconciliation (``execution.reconcile``), the control watch (``execution.watch``), approvals and
the broker health check all act on the same few things: the book of orders, the brokers, the
system events, the halts, the sending of an order and the clock. ``OrderDesk`` holds exactly
those, with the few acts every helper needs (record what a broker said, send a persisted order,
close one here, cancel everything), so a helper receives the desk, never the manager: it cannot
reach into the manager's queue, tasks or configuration, and the manager's modules form no cycle.

Recording an update means merging it into the book, publishing it on the bus in the order it
happened and handing it to the writer, which stores it behind (see ``execution.writer``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from typing import Any

import msgspec

from freeride.bus import topics
from freeride.bus.system_events import SystemEvents
from freeride.core.clock import Clock
from freeride.core.errors import FreerideError
from freeride.core.orders import Fill, Order, OrderStatus
from freeride.core.system import Level
from freeride.execution.book import OrderBook
from freeride.execution.halts import Halts
from freeride.execution.sender import Sender, Sent
from freeride.execution.writer import UpdateWriter
from freeride.ports.broker import Broker
from freeride.ports.bus import Bus
from freeride.ports.execution import HaltKind


class Brokers:
    """Which broker trades for which strategy (a default for the rest)."""

    def __init__(self, by_strategy: Mapping[str, Broker], default: Broker | None = None) -> None:
        self._by_strategy = dict(by_strategy)
        self._default = default

    def for_strategy(self, strategy: str) -> Broker | None:
        return self._by_strategy.get(strategy, self._default)

    def all(self) -> list[Broker]:
        """Each broker once, in the order given."""
        found = [*self._by_strategy.values(), self._default]
        return list({id(b): b for b in found if b is not None}.values())


class OrderDesk:
    def __init__(
        self,
        bus: Bus,
        clock: Clock,
        brokers: Brokers,
        halts: Halts,
        events: SystemEvents,
        sender: Sender,
        writer: UpdateWriter,
        *,
        max_consecutive_errors: int = 5,
    ) -> None:
        self.clock = clock
        self.book = OrderBook()
        self.brokers = brokers
        self.halts = halts
        self.events = events
        self.sender = sender
        self._bus = bus
        self._writer = writer
        self.max_consecutive_errors = max_consecutive_errors
        self.unresolved: set[str] = set()  # sent, fate unknown: asked again at every control poll
        self._pending_io: set[asyncio.Task[Any]] = set()
        self.consecutive_errors = 0
        self.submitted = 0
        self.rejected = 0
        self.duplicate_fills = 0

    # -- recording what is known ------------------------------------------------------------------
    def on_order(self, update: Order) -> None:
        """Merge a broker's word on one of our orders into the book, publish and store it."""
        book = self.book
        known = book.orders.get(update.client_order_id)
        if known is None and update.broker_order_id:
            cid = book.by_broker_id.get(update.broker_order_id)
            known = None if cid is None else book.orders.get(cid)
            if known is not None:
                update = msgspec.structs.replace(update, client_order_id=known.client_order_id)
        if known is None:
            return  # not ours (an order placed by hand in the broker's app)
        merged = book.track(update)
        if merged == known:
            return
        if not merged.status.is_open:
            self.unresolved.discard(merged.client_order_id)
        self.publish_order(merged)
        self._writer.order(merged)

    def on_fill(self, fill: Fill) -> None:
        booked = self.book.apply_fill(fill)
        if booked is None:
            self.duplicate_fills += 1
            return
        booked_fill, position = booked
        self._bus.publish(topics.fill(booked_fill.symbol), booked_fill)
        self._writer.fill(booked_fill)
        self._writer.position(position)

    def publish_order(self, order: Order) -> None:
        self._bus.publish(topics.order_update(order.symbol), order)

    def close_locally(self, order: Order, status: OrderStatus, reason: str) -> None:
        """Close an order that no broker holds (refused here, never sent, or sent nowhere)."""
        if status is OrderStatus.REJECTED:
            self.rejected += 1
        self.on_order(
            msgspec.structs.replace(
                self.book.orders.get(order.client_order_id, order),
                status=status,
                reason=reason,
                ts_init=self.clock.now_ns(),
            )
        )

    # -- sending ----------------------------------------------------------------------------------
    async def send(self, order: Order) -> None:
        """Send a persisted order and record what became of it."""
        broker = self.brokers.for_strategy(order.strategy)
        if broker is None:
            self.close_locally(order, OrderStatus.REJECTED, f"no broker for strategy {order.strategy!r}")
            return
        result = await self.sender.send(broker, order)
        self._count(result)
        if result.order is not None:
            self.submitted += 1
            self.unresolved.discard(order.client_order_id)
            self.on_order(result.order)
        elif result.rejected is not None:
            self.close_locally(order, OrderStatus.REJECTED, result.rejected)
        elif result.failed is not None:
            self.close_locally(order, OrderStatus.REJECTED, result.failed)
        else:
            self.unresolved.add(order.client_order_id)
            pending = msgspec.structs.replace(
                self.book.orders[order.client_order_id],
                status=OrderStatus.SUBMITTED,
                reason=f"outcome unknown, being reconciled: {result.unknown}",
                ts_init=self.clock.now_ns(),
            )
            self.on_order(pending)
            self.events.emit(
                Level.ERROR,
                "unknown_outcome",
                f"{broker.name}: order {order.client_order_id} may or may not exist: {result.unknown}",
                client_order_id=order.client_order_id,
            )

    def _count(self, result: Sent) -> None:
        if result.error is None:
            self.consecutive_errors = 0
            return
        self.broker_error(result.error)

    def broker_error(self, error: FreerideError) -> None:
        """Count a broker fault; enough in a row engage the kill switch."""
        self.consecutive_errors += 1
        limit = self.max_consecutive_errors
        if self.consecutive_errors == limit and self.halts.current.get(HaltKind.KILL) is None:
            self.run_io(self.kill(f"{limit} broker errors in a row, the last: {error}", "auto:broker-errors"))

    # -- stopping ---------------------------------------------------------------------------------
    async def kill(self, reason: str, source: str) -> None:
        """Engage the kill switch here and in the store, then cancel every open order."""
        await self.halts.engage(HaltKind.KILL, reason, source)
        await self.cancel_all(reason)

    async def cancel_all(self, reason: str) -> int:
        """Cancel every open order at its broker; unsent ones are closed here. Returns how many."""
        cancelled = 0
        for order in self.book.open_orders():
            if order.status is OrderStatus.PENDING_NEW and not order.broker_order_id:
                self.close_locally(order, OrderStatus.CANCELED, f"cancelled before sending: {reason}")
                cancelled += 1
                continue
            broker = self.brokers.for_strategy(order.strategy)
            if broker is None:
                continue
            try:
                self.on_order(await broker.cancel(order.client_order_id))
                cancelled += 1
            except FreerideError as exc:
                self.events.emit(
                    Level.ERROR,
                    "cancel_failed",
                    f"{broker.name}: cancelling {order.client_order_id} failed: {exc}",
                    client_order_id=order.client_order_id,
                )
        self.events.emit(Level.WARNING, "orders_cancelled", f"{cancelled} open orders cancelled: {reason}")
        return cancelled

    # -- background store work ----------------------------------------------------------------------
    def run_io(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run store work started from a synchronous callback; ``settle`` waits for it."""
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(work)
        self._pending_io.add(task)
        task.add_done_callback(self._pending_io.discard)

    async def settle(self) -> None:
        """Until the work ``run_io`` started is done (its failures are the tasks' own to report)."""
        while self._pending_io:
            await asyncio.gather(*list(self._pending_io), return_exceptions=True)
