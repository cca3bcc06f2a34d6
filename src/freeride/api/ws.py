"""The WebSocket hub: clients subscribe to bus topics and get events as JSON.

Each client owns a bounded queue that the bus fills synchronously (an append, never a wait); the
client's own task sends from it. A client that falls ``maxsize`` events behind is cut off (close
code 1013, "try again later") and unsubscribed at once: a slow browser costs itself, never the
engine. Protocol, one JSON object per frame:

    → {"op": "subscribe", "topics": ["alert.fired.>", "data.quote.AAPL"]}
    ← {"op": "subscribed", "topics": [...]}
    ← {"op": "event", "subscription": "alert.fired.>", "type": "AlertFired", "data": {...}}
    → {"op": "unsubscribe", "topics": [...]}     → {"op": "ping"}  ← {"op": "pong"}
    ← {"op": "error", "message": "..."}
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import msgspec

from freeride.bus import topics
from freeride.ports.bus import Bus, Subscription

SLOW_CLIENT = 1013
MAX_SUBSCRIPTIONS = 50


class Client:
    """One connection's subscriptions and outgoing queue."""

    def __init__(self, bus: Bus, maxsize: int) -> None:
        self._bus = bus
        self.maxsize = maxsize
        self.subs: dict[str, Subscription] = {}
        self.queue: deque[bytes | dict[str, Any]] = deque()
        self.ready = asyncio.Event()
        self.dropped = False

    def subscribe(self, pattern: str) -> None:
        if pattern in self.subs:
            return
        if len(self.subs) >= MAX_SUBSCRIPTIONS:
            raise ValueError(f"at most {MAX_SUBSCRIPTIONS} subscriptions per connection")
        topics.validate_pattern(pattern)

        def deliver(event: Any, pattern: str = pattern) -> None:
            self.push_event(pattern, event)

        self.subs[pattern] = self._bus.subscribe(pattern, deliver)

    def unsubscribe(self, pattern: str) -> None:
        sub = self.subs.pop(pattern, None)
        if sub is not None:
            sub.cancel()

    def push_event(self, pattern: str, event: Any) -> None:
        """Called on the bus's thread: O(1), never blocks, never raises."""
        if self.dropped:
            return
        if len(self.queue) >= self.maxsize:
            self.drop()
            return
        self.queue.append(
            msgspec.json.encode(
                {"op": "event", "subscription": pattern, "type": type(event).__name__, "data": event}
            )
        )
        self.ready.set()

    def push(self, message: dict[str, Any]) -> None:
        self.queue.append(message)
        self.ready.set()

    def drop(self) -> None:
        self.dropped = True
        self.close()
        self.ready.set()

    def close(self) -> None:
        for pattern in list(self.subs):
            self.unsubscribe(pattern)


class Hub:
    """Counts clients, for health and tests; the connections themselves live in their handlers."""

    def __init__(self) -> None:
        self.clients: set[Client] = set()
        self.dropped = 0
