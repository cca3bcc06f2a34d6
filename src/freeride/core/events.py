"""The union of every event that travels on the bus (what a cross-process codec must know)."""

from __future__ import annotations

from freeride.core.alerts import AlertFired, WebhookAlert
from freeride.core.anomaly import Anomaly, AnomalyResolved
from freeride.core.market import Bar, Quote, Trade
from freeride.core.news import NewsItem
from freeride.core.notify import OutboxReady
from freeride.core.orders import AccountState, Fill, Order, OrderIntent, Position, Signal
from freeride.core.plans import TradePlan
from freeride.core.sentiment import StorySentiment
from freeride.core.system import SystemEvent

Event = (
    Bar
    | Quote
    | Trade
    | Signal
    | OrderIntent
    | Order
    | Fill
    | Position
    | AccountState
    | SystemEvent
    | AlertFired
    | WebhookAlert
    | NewsItem
    | StorySentiment
    | TradePlan
    | OutboxReady
    | Anomaly
    | AnomalyResolved
)

EVENT_TYPES: tuple[type[Event], ...] = (
    Bar,
    Quote,
    Trade,
    Signal,
    OrderIntent,
    Order,
    Fill,
    Position,
    AccountState,
    SystemEvent,
    AlertFired,
    WebhookAlert,
    NewsItem,
    StorySentiment,
    TradePlan,
    OutboxReady,
    Anomaly,
    AnomalyResolved,
)
