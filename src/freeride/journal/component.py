"""The journal component: domain facts become journal entries, each in its chain of causes.

It listens (synchronously, cheaply: these topics carry a few events a second, not ticks) to
signals, order intents, orders, fills, alert firings, inbound webhooks, notification deliveries
and anomalies, and publishes each as a ``SystemEvent`` on ``system.<level>.<component>``: the
recorder stores it with every other system event, ``/ws`` streams it, and the dashboard shows it.

Chains. An event published while another is delivered is in that event's chain (the bus does
that: a bar, the signal it caused and the order intent). Hops through an I/O component's own
task (the order manager sending an intent and publishing the order and its fills later; the
relay delivering a firing's notification) start a fresh chain on the bus; the journal joins them
back by the ids the domain already carries (the client order id, the alert id and firing time)
and tells the bus to ``adopt`` the older chain for the rest of that dispatch, so whatever the
order or fill causes downstream is in the chain too. The links are kept for the last
``max_links`` orders and firings.

The market event a chain started from (a bar, a quote, a trade) is written once, and only when
something came of it, so a trace starts at its first hop without the journal storing every tick.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from freeride.bus import topics
from freeride.core.alerts import AlertFired
from freeride.core.anomaly import Anomaly, AnomalyResolved
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.notify import Delivery
from freeride.core.orders import Fill, Order, OrderIntent
from freeride.core.system import SystemEvent
from freeride.journal import facts
from freeride.ports.bus import CausalBus, Subscription

E = TypeVar("E")
FIRST = -1_000_000  # orders and fills: before anyone else, so the adopted chain covers their effects


class Journal(Component):
    name = "journal"

    def __init__(self, bus: CausalBus, clock: Clock, *, max_links: int = 50_000) -> None:
        super().__init__()
        self._bus = bus
        self._clock = clock
        self.max_links = max_links
        self._links: dict[str, str] = {}
        self._subs: list[Subscription] = []
        self._rooted: str | None = None  # the last chain whose market root was written
        self.written = 0

    async def _on_start(self) -> None:
        sub = self._bus.subscribe
        self._subs = [
            sub(topics.ALL_SIGNALS, self._plain(facts.signal)),
            sub(topics.ALL_INTENTS, self._on_intent),
            sub(topics.ALL_ORDER_UPDATES, self._on_order, priority=FIRST),
            sub(topics.ALL_FILLS, self._on_fill, priority=FIRST),
            sub(topics.ALL_ALERTS, self._on_alert),
            sub(topics.ALL_WEBHOOKS, self._plain(facts.webhook)),
            sub(topics.ALL_DELIVERIES, self._on_delivery, priority=FIRST),
            sub(topics.ALL_ANOMALIES, self._on_anomaly),
        ]

    async def _on_stop(self) -> None:
        for s in self._subs:
            s.cancel()
        self._subs = []

    # -- chains ----------------------------------------------------------------------------------
    def _link(self, key: str) -> str | None:
        """Remember that ``key`` belongs to the current chain."""
        cid = self._bus.correlation_id
        if cid is not None:
            links = self._links
            links[key] = cid
            if len(links) > self.max_links:
                del links[next(iter(links))]
        return cid

    def _join(self, key: str) -> str | None:
        """The chain ``key`` was linked to, adopted for this dispatch; else link it to this one."""
        cid = self._links.get(key)
        if cid is None:
            return self._link(key)
        self._bus.adopt(cid)
        return cid

    # -- handlers --------------------------------------------------------------------------------
    def _plain(self, make: Callable[[E, str | None], SystemEvent]) -> Callable[[E], None]:
        def handle(event: E) -> None:
            self._write(make(event, self._bus.correlation_id))

        return handle

    def _on_intent(self, e: OrderIntent) -> None:
        self._write(facts.order_intent(e, self._link(f"order:{e.client_order_id}")))

    def _on_order(self, e: Order) -> None:
        self._write(facts.order(e, self._join(f"order:{e.client_order_id}")))

    def _on_fill(self, e: Fill) -> None:
        self._write(facts.fill(e, self._join(f"order:{e.client_order_id}")))

    def _on_alert(self, e: AlertFired) -> None:
        self._write(facts.alert_fired(e, self._link(f"alert:{e.alert_id}:{e.ts_init}")))

    def _on_delivery(self, e: Delivery) -> None:
        self._write(facts.delivery(e, self._join(f"alert:{e.key}:{e.created_ns}")))

    def _on_anomaly(self, e: Anomaly | AnomalyResolved) -> None:
        cid = self._bus.correlation_id
        self._write(facts.anomaly(e, cid) if isinstance(e, Anomaly) else facts.anomaly_resolved(e, cid))

    def _write(self, entry: SystemEvent) -> None:
        cid = entry.correlation_id
        if cid is not None and cid != self._rooted:
            self._rooted = cid
            root = facts.market_root(self._bus.root, cid)
            if root is not None:
                self._publish(root)
        self._publish(entry)

    def _publish(self, entry: SystemEvent) -> None:
        self.written += 1
        self._bus.publish(topics.system(entry.level, entry.source), entry)

    @property
    def links(self) -> int:
        return len(self._links)
