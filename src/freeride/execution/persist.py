"""Persist before send, when the database does not answer: retried, then trading halts; never dropped.

Every order is stored (``ExecutionStore.add_orders``) before it is sent. When that write fails (the
database is away, the disk is full, a lock times out), the batch is not given up:

1. the write is tried again with growing pauses on the clock (``base_s``, doubling up to ``cap_s``);
   after a failed batch its orders are tried one by one, so one order the database refuses for
   good cannot hold the others back;
2. after ``attempts`` failures in a row trading halts (``HaltKind.STORAGE``): the halt holds at once
   here and is written to the control store as soon as the database takes it, and a critical
   system event goes out (an operator alert on every channel);
3. the writes go on being tried: an order stored after the halt is closed as rejected, with the
   reason, by the order manager, so it is on record but never sent late. ``freeride resume``
   lifts the halt once the database works again.

Only a stop can end the retrying: the orders still unstored are then logged at critical level, one
line each with everything needed to place them by hand, since no database holds them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog

from freeride.core.orders import Order
from freeride.core.system import Level
from freeride.execution.desk import OrderDesk
from freeride.net.retry import Backoff
from freeride.ports.execution import ExecutionStore, HaltKind

log = structlog.get_logger(__name__)


class IntentPersister:
    def __init__(
        self,
        store: ExecutionStore,
        run_id: str,
        desk: OrderDesk,
        *,
        attempts: int = 5,
        base_s: float = 0.5,
        cap_s: float = 30.0,
    ) -> None:
        self._store = store
        self._run_id = run_id
        self._desk = desk
        self.attempts = attempts
        self._backoff = Backoff(base_s, cap_s)
        self._stopping = asyncio.Event()
        self.failures = 0  # failed writes in a row
        self.lost: list[Order] = []  # given up at a stop (logged, never sent)

    def open(self) -> None:
        self._stopping.clear()

    def stop(self) -> None:
        """Stop waiting between attempts: one more try each, then give up loudly."""
        self._stopping.set()

    async def add(self, batch: Sequence[Order]) -> set[str]:
        """Store what is not stored yet; the client ids that were new (see ``ExecutionStore``)."""
        try:
            new = await self._store.add_orders(self._run_id, batch)
        except Exception as exc:
            await self._failed(exc, len(batch))
        else:
            self._succeeded()
            return new
        new = set()
        for order in batch:
            if await self._add_one(order):
                new.add(order.client_order_id)
        return new

    async def _add_one(self, order: Order) -> bool:
        while True:
            try:
                new = await self._store.add_orders(self._run_id, [order])
            except Exception as exc:
                if self._stopping.is_set():
                    self._give_up(order, exc)
                    return False
                await self._failed(exc, 1)
                continue
            self._succeeded()
            return order.client_order_id in new

    async def _failed(self, exc: Exception, count: int) -> None:
        self.failures += 1
        desk = self._desk
        delay = self._backoff.next_delay()
        problem = f"{type(exc).__name__}: {exc}"
        log.warning(
            "execution.intents_not_stored",
            orders=count,
            failures=self.failures,
            retry_in_s=delay,
            error=problem,
        )
        if self.failures == self.attempts:
            reason = f"order intents could not be stored {self.failures} times in a row ({problem})"
            desk.halts.hold_locally(HaltKind.STORAGE, reason, "auto:storage")
            desk.events.emit(
                Level.CRITICAL,
                "intents_not_stored",
                f"trading halted: {reason}; they are retried and never sent late, "
                "run `freeride resume` once the database works again",
                failures=self.failures,
            )
            desk.run_io(self._store_halt(reason))
        if not self._stopping.is_set():
            await self._pause(delay)

    def _succeeded(self) -> None:
        if self.failures:
            self._desk.events.emit(
                Level.WARNING,
                "intents_stored_again",
                f"order intents are stored again after {self.failures} failed writes",
            )
        self.failures = 0
        self._backoff.reset()

    async def _store_halt(self, reason: str) -> None:
        """Write the storage halt to the control store once the database takes it (or at a stop)."""
        backoff = Backoff(self._backoff.base_s, self._backoff.cap_s)
        while True:
            try:
                await self._desk.halts.engage(HaltKind.STORAGE, reason, "auto:storage")
                return
            except Exception as exc:
                if self._stopping.is_set():
                    log.error("execution.storage_halt_unsaved", reason=reason, error=repr(exc))
                    return
                await self._pause(backoff.next_delay())

    async def _pause(self, delay_s: float) -> None:
        """``delay_s`` on the clock, or less when a stop comes."""
        nap = asyncio.ensure_future(self._desk.clock.sleep(delay_s))
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({nap, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            nap.cancel()
            stop.cancel()

    def _give_up(self, order: Order, exc: Exception) -> None:
        self.lost.append(order)
        log.critical(
            "execution.intent_lost_at_stop",
            client_order_id=order.client_order_id,
            strategy=order.strategy,
            symbol=order.symbol,
            side=order.side.value,
            quantity=str(order.quantity),
            order_type=order.order_type.value,
            limit_price=None if order.limit_price is None else str(order.limit_price),
            error=f"{type(exc).__name__}: {exc}",
            detail="stopped while the database refused this order: it was never stored and never sent",
        )
