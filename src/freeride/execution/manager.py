"""The order manager: order intents in, orders at the broker exactly once, every update on the bus.

It is an I/O component: intents reach it through a lossless bus queue and it drains them in its
own task, a batch at a time. For each batch:

1. duplicates are dropped (an intent whose client order id is already known, here or in the store);
2. each intent meets the halts (kill switch, reconciliation, daily loss) and the risk checks, in
   arrival order, each seeing the orders admitted before it;
3. every admitted order is **persisted before it is sent**, the whole batch in one transaction
   (a failed write is retried and, after ``persist_attempts`` failures in a row, halts trading:
   ``execution.persist``);
4. each is sent (``execution.sender``: unknown outcomes are resolved by client id, never resent
   blindly), or held for a person when approval mode is on.

Broker updates come back through the brokers' listeners, are merged into the book (fills counted
once by their broker id), published on the bus in the order they happened and written behind.
On start it reconciles with each broker (``execution.reconcile``); while running it watches the
control store for halts and approvals set by other processes (``execution.watch``). Those helpers
receive the manager's ``OrderDesk`` (book, brokers, events, halts, sending, clock), never the
manager itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

import msgspec

from freeride.bus import topics
from freeride.bus.system_events import SystemEvents
from freeride.core.clock import Clock
from freeride.core.component import Component, ComponentState
from freeride.core.orders import (
    AccountState,
    Fill,
    Order,
    OrderIntent,
    OrderStatus,
    Position,
    order_from_intent,
)
from freeride.core.system import Level
from freeride.execution import flatten, watch
from freeride.execution.approvals import AWAITING_APPROVAL, Approvals
from freeride.execution.book import OrderBook
from freeride.execution.desk import Brokers, OrderDesk
from freeride.execution.halts import Halts
from freeride.execution.persist import IntentPersister
from freeride.execution.reconcile import Reconciler
from freeride.execution.risk import RiskManager
from freeride.execution.sender import Sender
from freeride.execution.writer import UpdateWriter
from freeride.ports.broker import Broker, BrokerUpdate
from freeride.ports.bus import Bus, Inbox, Overflow, Subscription
from freeride.ports.execution import (
    ControlStore,
    ExecutionStore,
    FlattenRequest,
    FlattenState,
    Halt,
    HaltKind,
)

_DEAF = (ComponentState.STOPPED, ComponentState.FAILED)


@dataclass(frozen=True, slots=True)
class ManagerConfig:
    run_id: str
    approval_mode: bool = False
    approval_timeout_s: float = 0.0  # a held order older than this is cancelled (0: never)
    lookup_attempts: int = 5
    lookup_wait_s: float = 1.0
    resend_unsent_within_s: float = 30.0
    max_consecutive_errors: int = 5
    poll_s: float = 1.0
    queue_size: int = 10_000
    watch_controls: bool = True
    write_linger_s: float = 0.0
    persist_attempts: int = 5  # failed writes of intents in a row before trading halts
    persist_retry_s: float = 0.5  # the first pause between them, doubling up to persist_retry_cap_s
    persist_retry_cap_s: float = 30.0


class OrderManager(Component):
    name = "order-manager"

    def __init__(
        self,
        bus: Bus,
        clock: Clock,
        *,
        brokers: Mapping[str, Broker],
        store: ExecutionStore,
        controls: ControlStore,
        risk: RiskManager,
        config: ManagerConfig,
        default_broker: Broker | None = None,
    ) -> None:
        super().__init__()
        self._bus = bus
        self._clock = clock
        self._controls = controls
        self._intake = asyncio.Lock()  # one batch at a time: the queue's and a flatten's
        self.store = store
        self.risk = risk
        self.config = config
        self.run_id = config.run_id
        events = SystemEvents(bus, clock, "execution")
        self.writer = UpdateWriter(store, config.run_id, clock, config.write_linger_s)
        self.desk = OrderDesk(
            bus,
            clock,
            Brokers(brokers, default_broker),
            Halts(controls, clock, events),
            events,
            Sender(clock, lookup_attempts=config.lookup_attempts, lookup_wait_s=config.lookup_wait_s),
            self.writer,
            max_consecutive_errors=config.max_consecutive_errors,
        )
        self.approvals = Approvals(controls, config.run_id, self.desk, timeout_s=config.approval_timeout_s)
        self.persister = IntentPersister(
            store,
            config.run_id,
            self.desk,
            attempts=config.persist_attempts,
            base_s=config.persist_retry_s,
            cap_s=config.persist_retry_cap_s,
        )
        self._queue: Inbox | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._subs: list[Subscription] = []
        self.duplicate_intents = 0

    # -- what the desk holds, for status views and tests ------------------------------------------
    @property
    def book(self) -> OrderBook:
        return self.desk.book

    @property
    def halts(self) -> Halts:
        return self.desk.halts

    @property
    def events(self) -> SystemEvents:
        return self.desk.events

    @property
    def unresolved(self) -> set[str]:
        return self.desk.unresolved

    @property
    def submitted(self) -> int:
        return self.desk.submitted

    @property
    def rejected(self) -> int:
        return self.desk.rejected

    @property
    def duplicate_fills(self) -> int:
        return self.desk.duplicate_fills

    @property
    def brokers(self) -> list[Broker]:
        return self.desk.brokers.all()

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def queue(self) -> Inbox:
        if self._queue is None:
            raise RuntimeError("order manager is not started")
        return self._queue

    async def _on_start(self) -> None:
        desk = self.desk
        self.persister.open()
        self.writer.start()
        await desk.halts.refresh()
        for broker in desk.brokers.all():
            broker.on_update(self._on_broker_update)
            await broker.connect()
        if self.risk.settings.max_order_notional is not None or self.risk.settings.max_gross_exposure:
            sub = self._bus.subscribe
            self._subs += [
                sub(topics.ALL_QUOTES, desk.book.on_quote),
                sub(topics.ALL_TRADES, desk.book.on_trade),
                sub(topics.ALL_BARS, desk.book.on_bar),
            ]
        await Reconciler(
            desk,
            self.store,
            self.run_id,
            self.approvals,
            resend_unsent_within_s=self.config.resend_unsent_within_s,
        ).run()
        if desk.halts.current.get(HaltKind.KILL) is not None:
            await desk.cancel_all("the kill switch is engaged")
        self._queue = self._bus.subscribe_queue(
            topics.ALL_INTENTS, name=self.name, maxsize=self.config.queue_size, overflow=Overflow.PAUSE_SOURCE
        )
        self._tasks.append(self.spawn(self._drain))
        if self.config.watch_controls:
            self._tasks.append(
                self.spawn(
                    partial(watch.watch, desk, self.approvals, self.config.poll_s, self.serve_flattens),
                    f"{self.name}:watch",
                )
            )

    async def _on_stop(self) -> None:
        queue = self.queue
        self.persister.stop()  # a write of intents that keeps failing gives up now, loudly
        await queue.wait_idle()
        queue.close()
        drain, *others = self._tasks
        await drain
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await self.desk.settle()
        self._tasks.clear()
        for sub in self._subs:
            sub.cancel()
        self._subs.clear()
        await self.writer.close()
        for broker in self.desk.brokers.all():
            await broker.close()

    async def idle(self) -> None:
        """Until queued intents are handled and what they caused is stored."""
        await self.queue.wait_idle()
        await self.desk.settle()
        await self.writer.flush()

    # -- intake ----------------------------------------------------------------------------------
    async def _drain(self) -> None:
        queue = self.queue
        while True:
            batch = await queue.get_batch(500)
            if not batch:
                return
            try:
                async with self._intake:
                    await self._handle(batch)
            except Exception as exc:  # a bug here must not stop trading for everyone else
                self.events.emit(
                    Level.ERROR, "intake_failed", f"handling {len(batch)} intents failed: {exc!r}"
                )
            finally:
                queue.done(len(batch))

    async def _handle(self, intents: list[OrderIntent]) -> None:
        desk = self.desk
        fresh = self._dedupe(intents)
        if not fresh:
            return
        admitted: list[Order] = []
        held: list[Order] = []
        closed: list[Order] = []
        for intent in fresh:
            order, why = self._admit(intent)
            if why is not None:
                closed.append(order)
            elif self.config.approval_mode and order.strategy != flatten.FLATTEN_STRATEGY:
                held.append(order)  # a flatten was confirmed by a person already
            else:
                admitted.append(order)
        batch = [*closed, *held, *admitted]
        new = await self.persister.add(batch)  # persisted before anything is sent
        if len(new) < len(batch):
            self._forget_known(batch, new)
        now = self._clock.now_ns()
        stopped: set[str] = set()
        for order in [*held, *admitted]:  # halted while they were being stored
            halt = self._halt_for(order, now)
            if halt is not None:
                stopped.add(order.client_order_id)
                if order.client_order_id in new:
                    why = f"trading halted ({halt.kind.value}) before it was sent: {halt.reason}"
                    desk.close_locally(order, OrderStatus.REJECTED, why)
        if stopped:
            held = [o for o in held if o.client_order_id not in stopped]
            admitted = [o for o in admitted if o.client_order_id not in stopped]
        for order in closed:
            if order.client_order_id in new:
                desk.rejected += 1
                desk.publish_order(order)
        for order in held:
            if order.client_order_id in new:
                desk.publish_order(order)
                await self.approvals.hold(order)
        for order in admitted:
            if order.client_order_id in new:
                desk.publish_order(order)
                await desk.send(order)

    def _forget_known(self, batch: list[Order], new: set[str]) -> None:
        """Intents whose orders the store already had (delivered again after a restart)."""
        lost = {o.client_order_id for o in self.persister.lost}
        for order in batch:
            if order.client_order_id not in new:
                self.duplicate_intents += order.client_order_id not in lost
                self.book.forget(order.client_order_id)

    def _dedupe(self, intents: list[OrderIntent]) -> list[OrderIntent]:
        fresh: list[OrderIntent] = []
        seen = self.book.orders
        batch: set[str] = set()
        for intent in intents:
            cid = intent.client_order_id
            if cid in seen or cid in batch:
                self.duplicate_intents += 1
                continue
            batch.add(cid)
            fresh.append(intent)
        return fresh

    def _admit(self, intent: OrderIntent) -> tuple[Order, str | None]:
        now = self._clock.now_ns()
        order = order_from_intent(intent, now, AWAITING_APPROVAL if self.config.approval_mode else "")
        why = self._refusal(order, now)
        if why is not None:
            order = msgspec.structs.replace(order, status=OrderStatus.REJECTED, reason=why)
        return self.book.track(order), why

    def _halt_for(self, order: Order, now_ns: int) -> Halt | None:
        closing = flatten.is_closing(order, self.book.positions.get(order.symbol, flatten.ZERO))
        return self.halts.blocking(now_ns, closing=closing)

    def _refusal(self, order: Order, now_ns: int) -> str | None:
        halt = self._halt_for(order, now_ns)
        if halt is not None:
            return f"trading is halted ({halt.kind.value}): {halt.reason}"
        if self.desk.brokers.for_strategy(order.strategy) is None:
            return f"no broker is configured for strategy {order.strategy!r}"
        why = self.risk.check(order, self.book)
        return None if why is None else f"risk: {why}"

    # -- operator acts -----------------------------------------------------------------------------
    async def kill(self, reason: str, source: str) -> None:
        """Engage the kill switch here and in the store, then cancel every open order."""
        await self.desk.kill(reason, source)

    async def cancel_all(self, reason: str) -> int:
        return await self.desk.cancel_all(reason)

    async def flatten(self, request: FlattenRequest) -> FlattenRequest:
        """Cancel every open order, then send one closing market order per position through the
        normal path (persisted first, risk-checked); returns the request as done."""
        by = f"flatten {request.request_id} by {request.requested_by}"
        cancelled = await self.desk.cancel_all(by) if self.book.open_orders() else 0
        now = self._clock.now_ns()
        intents = flatten.closing_intents(self.book.positions, request.request_id, now)
        if intents:
            async with self._intake:
                await self._handle(intents)
        self.events.emit(
            Level.WARNING, "flattened", f"{by}: {cancelled} orders cancelled, {len(intents)} closing orders"
        )
        return flatten.outcome(request, now, cancelled, intents, self.book.orders)

    async def serve_flattens(self) -> None:
        """Act on the pending flatten requests for this ledger (expire the stale ones)."""
        for request in await self._controls.flatten_requests(FlattenState.PENDING):
            if request.run_id != self.run_id:
                continue
            now = self._clock.now_ns()
            if flatten.expired(request, now):
                await self._controls.finish_flatten(flatten.expiry(request, now))
                continue
            await self._controls.finish_flatten(await self.flatten(request))

    async def poll_controls(self) -> None:
        """One look at the control store (what the watch task does every ``poll_s``)."""
        await watch.poll_controls(self.desk, self.approvals, self.serve_flattens)

    # -- broker updates ----------------------------------------------------------------------------
    def _on_broker_update(self, update: BrokerUpdate) -> None:
        if self.state in _DEAF:  # a stopped manager's listener stays registered at the broker
            return
        if isinstance(update, Order):
            self.desk.on_order(update)
        elif isinstance(update, Fill):
            self.desk.on_fill(update)
        elif isinstance(update, Position):  # the broker's view; ours is stored from the fills
            self._bus.publish(topics.position(update.symbol), update)
        elif isinstance(update, AccountState):
            self._bus.publish(topics.account(update.account), update)
            self._check_daily_loss(update)

    def on_order(self, update: Order) -> None:
        self.desk.on_order(update)

    def on_fill(self, fill: Fill) -> None:
        self.desk.on_fill(fill)

    def _check_daily_loss(self, state: AccountState) -> None:
        loss = self.risk.daily_loss_breached(state)
        if loss is None or self.halts.current.get(HaltKind.DAILY_LOSS) is not None:
            return
        until = self.risk.next_day_ns(state.ts_event)
        limit = self.risk.settings.max_daily_loss
        reason = f"{state.account} lost {loss} {state.currency} today (max_daily_loss {limit})"
        self.halts.hold_locally(HaltKind.DAILY_LOSS, reason, "risk", until)  # the next order is refused
        self.desk.run_io(self.halts.engage(HaltKind.DAILY_LOSS, reason, "risk", until))
