"""Routes order intents to brokers and puts every broker update on the bus.

It is an I/O component: intents reach it through a lossless queue and it drains them in its own
task, so a slow broker never stalls the strategies. Each intent is sent once: a second intent with
the same ``client_order_id`` (a replayed event, a restarted strategy) is ignored, and the broker
itself treats the id as an idempotency key.
"""

from __future__ import annotations

import asyncio

import msgspec
import structlog

from freeride.bus import topics
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.errors import FreerideError, InvalidInput
from freeride.core.orders import AccountState, Fill, Order, OrderIntent, OrderStatus, Position
from freeride.core.system import Level, SystemEvent
from freeride.ports.broker import Broker, BrokerUpdate
from freeride.ports.bus import Bus, Inbox, Overflow

log = structlog.get_logger(__name__)


class OrderRouter(Component):
    name = "order-router"

    def __init__(
        self,
        bus: Bus,
        clock: Clock,
        brokers: dict[str, Broker],
        default_broker: Broker | None = None,
        queue_size: int = 10_000,
    ) -> None:
        super().__init__()
        self._bus = bus
        self._clock = clock
        self._brokers = brokers
        self._default = default_broker
        self._queue_size = queue_size
        self._queue: Inbox | None = None
        self._task: asyncio.Task[None] | None = None
        self._seen: set[str] = set()
        self.submitted = 0
        self.rejected = 0

    @property
    def queue(self) -> Inbox:
        if self._queue is None:
            raise RuntimeError("order router is not started")
        return self._queue

    async def _on_start(self) -> None:
        for broker in {id(b): b for b in [*self._brokers.values(), self._default] if b}.values():
            broker.on_update(self._publish_update)
        self._queue = self._bus.subscribe_queue(
            topics.ALL_INTENTS, name=self.name, maxsize=self._queue_size, overflow=Overflow.PAUSE_SOURCE
        )
        self._task = asyncio.create_task(self._drain(), name=self.name)

    async def _on_stop(self) -> None:
        queue = self.queue
        await queue.wait_idle()
        queue.close()
        if self._task is not None:
            await self._task

    async def _drain(self) -> None:
        queue = self.queue
        while True:
            batch = await queue.get_batch(100)
            if not batch:
                return
            for intent in batch:
                try:
                    await self._route(intent)
                except Exception as exc:  # a bug here must not kill routing for everyone else
                    log.exception("router.failed", client_order_id=intent.client_order_id)
                    self._system(
                        Level.ERROR, "route_failed", f"routing {intent.client_order_id} failed: {exc!r}"
                    )
                finally:
                    queue.done()

    async def _route(self, intent: OrderIntent) -> None:
        if intent.client_order_id in self._seen:
            return
        self._seen.add(intent.client_order_id)
        now = self._clock.now_ns()
        order = Order(
            client_order_id=intent.client_order_id,
            strategy=intent.strategy,
            symbol=intent.symbol,
            side=intent.side,
            quantity=intent.quantity,
            order_type=intent.order_type,
            limit_price=intent.limit_price,
            stop_price=intent.stop_price,
            time_in_force=intent.time_in_force,
            status=OrderStatus.PENDING_NEW,
            ts_event=intent.ts_event,
            ts_init=now,
        )
        self._bus.publish(topics.order_update(order.symbol), order)
        broker = self._brokers.get(intent.strategy, self._default)
        if broker is None:
            self._reject(order, f"no broker is configured for strategy {intent.strategy!r}")
            return
        try:
            ack = await broker.submit(order)
        except InvalidInput as exc:
            self._reject(order, str(exc))
            return
        except FreerideError as exc:
            self._system(Level.ERROR, "submit_failed", f"{broker.name}: {order.client_order_id}: {exc}")
            return
        self.submitted += 1
        if ack.status is OrderStatus.REJECTED:
            self.rejected += 1

    def _reject(self, order: Order, reason: str) -> None:
        self.rejected += 1
        rejected = msgspec.structs.replace(
            order, status=OrderStatus.REJECTED, reason=reason, ts_init=self._clock.now_ns()
        )
        self._bus.publish(topics.order_update(order.symbol), rejected)

    def _publish_update(self, update: BrokerUpdate) -> None:
        if isinstance(update, Fill):
            self._bus.publish(topics.fill(update.symbol), update)
        elif isinstance(update, Order):
            self._bus.publish(topics.order_update(update.symbol), update)
        elif isinstance(update, Position):
            self._bus.publish(topics.position(update.symbol), update)
        elif isinstance(update, AccountState):
            self._bus.publish(topics.account(update.account), update)

    def _system(self, level: Level, kind: str, message: str) -> None:
        now = self._clock.now_ns()
        self._bus.publish(
            topics.system(level, self.name),
            SystemEvent(source=self.name, kind=kind, level=level, message=message, ts_event=now, ts_init=now),
        )
