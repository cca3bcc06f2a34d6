"""The union of every event that travels on the bus."""

from __future__ import annotations

from freeride.core.market import Bar, Quote, Trade
from freeride.core.orders import AccountState, Fill, Order, OrderIntent, Position, Signal
from freeride.core.system import SystemEvent

Event = Bar | Quote | Trade | Signal | OrderIntent | Order | Fill | Position | AccountState | SystemEvent

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
)
