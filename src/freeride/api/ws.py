"""The WebSocket hub: clients subscribe to bus topics and get events as JSON.

Each client owns a bounded queue that the bus fills synchronously (an append, never a wait); the
client's own task sends from it. A client that falls ``maxsize`` events behind is cut off (close
code 1013, "try again later") and unsubscribed at once: a slow browser costs itself, never the
engine. Protocol, one JSON object per frame:

    → {"op": "subscribe", "topics": ["alert.fired.>", "data.quote.AAPL"]}
    ← {"op": "subscribed", "topics": [...]}
    ← {"op": "event", "subscription": "alert.fired.>", "type": "AlertFired", "data": {...}}
    → {"op": "unsubscribe", "topics": [...]}     → {"op": "ping"}  ← {"op": "pong"}
    ← {"op": "error", "message": "..."}         ← {"op": "heartbeat", "ts": <ns>}

When several events are waiting for one client they go out together as one frame holding a JSON
array of event messages (at most ``BATCH`` per frame): a busy feed costs one frame per send
rather than one per event. Clients accept either shape. An event is encoded once for all the
clients that subscribed with the same pattern (``Hub.encode``), not once per client.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

import msgspec

from freeride.bus import topics
from freeride.ports.bus import Bus, Subscription

SLOW_CLIENT = 1013
MAX_SUBSCRIPTIONS = 50
BATCH = 100


def encode_event(pattern: str, event: Any) -> bytes:
    return msgspec.json.encode(
        {"op": "event", "subscription": pattern, "type": type(event).__name__, "data": event}
    )


class Client:
    """One connection's subscriptions and outgoing queue."""

    def __init__(self, bus: Bus, maxsize: int, encode: Callable[[str, Any], bytes] = encode_event) -> None:
        self._bus = bus
        self._encode = encode
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
        self.queue.append(self._encode(pattern, event))
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
    """Counts clients (for metrics and tests) and encodes each event once for all of them."""

    def __init__(self) -> None:
        self.clients: set[Client] = set()
        self.dropped = 0
        self._last: tuple[object, str, bytes] | None = None

    def encode(self, pattern: str, event: Any) -> bytes:
        """The bus hands one event to every subscriber in turn, so the last encoding is the hit."""
        last = self._last
        if last is not None and last[0] is event and last[1] == pattern:
            return last[2]
        data = encode_event(pattern, event)
        self._last = (event, pattern, data)
        return data


def next_frame(queue: deque[bytes | dict[str, Any]]) -> bytes | dict[str, Any]:
    """One control message, one event, or up to ``BATCH`` queued events as one JSON array."""
    first = queue.popleft()
    if isinstance(first, dict) or not queue or not isinstance(queue[0], bytes):
        return first
    parts = [first]
    while queue and len(parts) < BATCH and isinstance(queue[0], bytes):
        item = queue.popleft()
        assert isinstance(item, bytes)
        parts.append(item)
    return b"[" + b",".join(parts) + b"]"
