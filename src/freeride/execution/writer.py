"""Writes what the order manager learns after sending (acks, fills, positions) in batches.

Intents are persisted before they are sent, one transaction per batch, in the manager itself.
What follows (updates from the broker) is written here, off the hot path: updates collect for up
to ``linger_s`` (and while a write is in flight) and go in one transaction together, so the
writes that must come first (the next intents) rarely wait behind them. Losing the last
``linger_s`` of updates in a crash costs nothing that reconciliation does not restore: the broker
still knows every acknowledgement and fill. A failed write is retried with growing pauses on the
clock; nothing is dropped, and ``flush`` writes at once and waits until all is stored.
"""

from __future__ import annotations

import asyncio

import structlog

from freeride.core.clock import Clock
from freeride.core.orders import Fill, Order, Position
from freeride.net.retry import Backoff
from freeride.ports.execution import ExecutionStore

log = structlog.get_logger(__name__)


class UpdateWriter:
    def __init__(self, store: ExecutionStore, run_id: str, clock: Clock, linger_s: float = 0.0) -> None:
        self._store = store
        self.linger_s = linger_s
        self._urgent = asyncio.Event()
        self._run_id = run_id
        self._clock = clock
        self._orders: dict[str, Order] = {}
        self._fills: list[Fill] = []
        self._positions: dict[str, Position] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.failures = 0
        self.duplicate_fills = 0

    def order(self, order: Order) -> None:
        self._orders[order.client_order_id] = order
        self._poke()

    def fill(self, fill: Fill) -> None:
        self._fills.append(fill)
        self._poke()

    def position(self, position: Position) -> None:
        self._positions[position.symbol] = position
        self._poke()

    def _poke(self) -> None:
        self._idle.clear()
        self._wake.set()

    def start(self) -> None:
        self._closing = False
        self._task = asyncio.create_task(self._run(), name=f"execution-writer:{self._run_id}")

    async def flush(self) -> None:
        if not self._idle.is_set():
            self._urgent.set()
        await self._idle.wait()

    async def close(self) -> None:
        self._closing = True
        self._urgent.set()
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _linger(self) -> None:
        """Wait ``linger_s`` on the clock for more updates, or less if a flush is asked for."""
        nap = asyncio.ensure_future(self._clock.sleep(self.linger_s))
        hurry = asyncio.ensure_future(self._urgent.wait())
        await asyncio.wait({nap, hurry}, return_when=asyncio.FIRST_COMPLETED)
        for task in (nap, hurry):
            task.cancel()

    async def _run(self) -> None:
        backoff = Backoff(0.2, 10.0)
        while True:
            if not (self._orders or self._fills or self._positions):
                self._idle.set()
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            if self.linger_s > 0 and not self._urgent.is_set():
                await self._linger()
            self._urgent.clear()
            orders, fills, positions = (
                list(self._orders.values()),
                self._fills,
                list(self._positions.values()),
            )
            self._orders, self._fills, self._positions = {}, [], {}
            try:
                if orders:
                    await self._store.save_orders(self._run_id, orders)
                if fills:
                    new = await self._store.save_fills(self._run_id, fills)
                    self.duplicate_fills += len(fills) - len(new)
                if positions:
                    await self._store.save_positions(self._run_id, positions)
                backoff.reset()
            except Exception:
                self.failures += 1
                log.exception("execution.write_failed", orders=len(orders), fills=len(fills))
                for o in orders:  # put back, newer states that arrived meanwhile win
                    self._orders.setdefault(o.client_order_id, o)
                self._fills[:0] = fills
                for p in positions:
                    self._positions.setdefault(p.symbol, p)
                if self._closing and backoff.attempt >= 3:
                    log.error("execution.unwritten_at_stop", orders=len(self._orders), fills=len(self._fills))
                    self._idle.set()
                    return
                await self._clock.sleep(backoff.next_delay())
