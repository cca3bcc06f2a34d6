"""Trading and alerting measured from the bus: firings, deliveries, orders, fills, slippage, equity.

A synchronous subscriber to topics that carry a few events a second at most (never ticks), which
updates Prometheus metrics on the process's registry. What each figure is measured from:

* alert firing latency: ``AlertFired.latency_ns`` (tick received → rule fired);
* notification delivery latency: ``Delivery`` (notification made → receiver accepted it);
* fill latency: the order intent's ``ts_init`` → its first fill's ``ts_init``;
* slippage: the fill price against the market price the intent was decided on (the close of
  the bar, the mid of the quote or the price of the trade that was being handled when the intent
  was published), in basis points, positive when it cost;
* equity, P&L since first seen, and drawdown from the peak, per account (``AccountState``).

Labels are bounded: order statuses and notification statuses are enums, channels and accounts
come from configuration. The figures the anomaly detectors want are also kept as plain attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from freeride.bus import topics
from freeride.core.alerts import AlertFired
from freeride.core.clock import NS_PER_SECOND
from freeride.core.component import Component
from freeride.core.market import Bar, Quote, Trade
from freeride.core.notify import Delivery, DeliveryStatus
from freeride.core.orders import AccountState, Fill, Order, OrderIntent
from freeride.ops.metrics import Metrics
from freeride.ports.bus import CausalBus, Subscription

_SECONDS = (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0)
_BPS = (-50.0, -20.0, -10.0, -5.0, -1.0, 0.0, 1.0, 5.0, 10.0, 20.0, 50.0, 100.0, 250.0, 500.0)
_MAX_PENDING = 10_000


def market_price(event: Any) -> float | None:
    if isinstance(event, Bar):
        return event.close
    if isinstance(event, Quote):
        return event.mid
    if isinstance(event, Trade):
        return event.price
    return None


class Observer(Component):
    name = "ops-observer"

    def __init__(self, bus: CausalBus, metrics: Metrics) -> None:
        super().__init__()
        self._bus = bus
        r = metrics.registry
        self.fired = Counter("freeride_alerts_fired", "Alert rules that fired.", registry=r)
        self.alert_latency = Histogram(
            "freeride_alert_latency_seconds", "Tick received to alert fired.", buckets=_SECONDS, registry=r
        )
        self.notifications = Counter(
            "freeride_notifications",
            "Notifications by channel and what became of them.",
            ("channel", "status"),
            registry=r,
        )
        self.delivery_latency = Histogram(
            "freeride_notification_delivery_seconds",
            "Notification made to delivered, by channel.",
            ("channel",),
            buckets=_SECONDS,
            registry=r,
        )
        self.intents = Counter("freeride_order_intents", "Order intents strategies published.", registry=r)
        self.orders = Counter(
            "freeride_order_updates", "Order state changes, by new status.", ("status",), registry=r
        )
        self.fills = Counter("freeride_fills", "Fills booked.", registry=r)
        self.fill_latency = Histogram(
            "freeride_fill_latency_seconds", "Order intent to its first fill.", buckets=_SECONDS, registry=r
        )
        self.slippage = Histogram(
            "freeride_fill_slippage_bps",
            "Fill price against the market price the order was decided on, basis points (positive: cost).",
            buckets=_BPS,
            registry=r,
        )
        self.equity = Gauge(
            "freeride_account_equity", "Account equity in its currency.", ("account",), registry=r
        )
        self.pnl = Gauge("freeride_account_pnl", "Equity change since first seen.", ("account",), registry=r)
        self.drawdown = Gauge(
            "freeride_account_drawdown_ratio",
            "Fall from the highest equity seen, as a fraction.",
            ("account",),
            registry=r,
        )
        self._pending: dict[str, tuple[int, float | None, int]] = {}  # intent ts_init, price, side sign
        self._first: dict[str, Decimal] = {}
        self._peak: dict[str, Decimal] = {}
        self.last_drawdown: dict[str, float] = {}
        self.last_slippage_bps: float | None = None
        self.slippage_listeners: list[Callable[[str, float, int], None]] = []
        self._subs: list[Subscription] = []

    async def _on_start(self) -> None:
        sub = self._bus.subscribe
        self._subs = [
            sub(topics.ALL_ALERTS, self.on_fired),
            sub(topics.ALL_DELIVERIES, self.on_delivery),
            sub(topics.ALL_INTENTS, self.on_intent),
            sub(topics.ALL_ORDER_UPDATES, self.on_order),
            sub(topics.ALL_FILLS, self.on_fill),
            sub(topics.ALL_ACCOUNTS, self.on_account),
        ]

    async def _on_stop(self) -> None:
        for s in self._subs:
            s.cancel()
        self._subs = []

    def on_fired(self, e: AlertFired) -> None:
        self.fired.inc()
        self.alert_latency.observe(e.latency_ns / NS_PER_SECOND)

    def on_delivery(self, e: Delivery) -> None:
        self.notifications.labels(e.channel, e.status.value).inc()
        if e.status is DeliveryStatus.DELIVERED:
            self.delivery_latency.labels(e.channel).observe((e.ts_event - e.created_ns) / NS_PER_SECOND)

    def on_intent(self, e: OrderIntent) -> None:
        self.intents.inc()
        pending = self._pending
        pending[e.client_order_id] = (e.ts_init, market_price(self._bus.root), e.side.sign)
        if len(pending) > _MAX_PENDING:
            del pending[next(iter(pending))]

    def on_order(self, e: Order) -> None:
        self.orders.labels(e.status.value).inc()

    def on_fill(self, e: Fill) -> None:
        self.fills.inc()
        pending = self._pending.pop(e.client_order_id, None)
        if pending is None:
            return
        sent_ns, price, sign = pending
        self.fill_latency.observe(max(0, e.ts_init - sent_ns) / NS_PER_SECOND)
        if price:
            bps = sign * (float(e.price) - price) / price * 10_000
            self.last_slippage_bps = bps
            self.slippage.observe(bps)
            for listener in self.slippage_listeners:
                listener(e.symbol, bps, e.ts_init)

    def on_account(self, e: AccountState) -> None:
        account = e.account
        first = self._first.setdefault(account, e.equity)
        peak = self._peak.get(account)
        if peak is None or e.equity > peak:
            peak = self._peak[account] = e.equity
        drawdown = float((peak - e.equity) / peak) if peak > 0 else 0.0
        self.last_drawdown[account] = drawdown
        self.equity.labels(account).set(float(e.equity))
        self.pnl.labels(account).set(float(e.equity - first))
        self.drawdown.labels(account).set(drawdown)
