"""The WebSocket hub: clients subscribe to bus topics and get events as JSON.

Protocol, one JSON value per frame:

    → {"op": "subscribe", "topics": ["alert.fired.>", "data.quote.AAPL"]}
    ← {"op": "subscribed", "topics": [...]}
    ← {"op": "event", "subscription": "alert.fired.>", "type": "AlertFired", "data": {...}}
    ← [{"op": "event", ...}, {"op": "event", ...}]      (several events in one frame)
    → {"op": "unsubscribe", "topics": [...]}     → {"op": "ping"}  ← {"op": "pong"}
    ← {"op": "error", "message": "..."}         ← {"op": "heartbeat", "ts": <ns>}

Why it is shaped this way: with 500 dashboards open on 10 symbols each, a quote feed of 1,000 a
second means half a million deliveries a second, on the event loop the engine shares. So the work
per event must not grow with the number of clients, and the work per client must not grow with the
number of events:

* A pattern is one ``Channel``: one bus subscription however many clients asked for it. The bus
  calls it once per event; it encodes the event once and appends the bytes to a pending list.
* Every ``coalesce_s`` (20 ms by default) the hub flushes: clients that subscribed to the same set
  of patterns form one ``Group``, whose frame is joined once and handed to each member, an append
  to its queue. A frame holds what gathered in one window; a client's own task sends it.
* A client whose queue holds more than ``maxsize`` unsent events is cut off (close code 1013, "try
  again later") and its subscriptions released: a slow browser costs itself, never the engine.

Order is kept within a subscription. Within one frame, events are grouped by subscription, so two
events of different subscriptions may arrive in a different order than they were published;
every event carries its own timestamps.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

import msgspec
import structlog

from freeride.bus import topics
from freeride.core.clock import Clock
from freeride.ports.bus import Bus, Subscription

log = structlog.get_logger(__name__)
SLOW_CLIENT = 1013
MAX_SUBSCRIPTIONS = 50
YIELD_EVERY = 16
MERGE_LIMIT = 2_000
"""A client that is behind gets its queued windows merged into frames of at most this many events."""


def encode_event(pattern: str, event: Any) -> bytes:
    return msgspec.json.encode(
        {"op": "event", "subscription": pattern, "type": type(event).__name__, "data": event}
    )


def frame_of(events: bytes, count: int) -> bytes:
    """``events`` is ``count`` encoded events joined by commas: one is sent bare, more as an array."""
    return events if count == 1 else b"[" + events + b"]"


class Channel:
    """One pattern's bus subscription, shared by every client of the pattern."""

    __slots__ = ("count", "groups", "joined", "pattern", "pending", "subscription")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pending: list[bytes] = []
        self.groups: set[Group] = set()
        self.subscription: Subscription | None = None
        self.joined = b""
        self.count = 0


class Group:
    """The clients with one and the same set of patterns: their frames are the same bytes."""

    __slots__ = ("channels", "key", "members")

    def __init__(self, key: frozenset[str], channels: list[Channel]) -> None:
        self.key = key
        self.channels = channels
        self.members: set[Client] = set()


class Client:
    """One connection: its patterns and the frames waiting to be sent, counted in events."""

    def __init__(self, hub: Hub, maxsize: int) -> None:
        self._hub = hub
        self.maxsize = maxsize
        self.patterns: set[str] = set()
        self.group: Group | None = None
        self.queue: deque[tuple[bytes, int] | dict[str, Any]] = deque()
        self.queued_events = 0
        self.ready = asyncio.Event()
        self.dropped = False
        self.closed = False

    def subscribe(self, pattern: str) -> None:
        if pattern in self.patterns:
            return
        if len(self.patterns) >= MAX_SUBSCRIPTIONS:
            raise ValueError(f"at most {MAX_SUBSCRIPTIONS} subscriptions per connection")
        topics.validate_pattern(pattern)
        self._hub.regroup(self, self.patterns | {pattern})

    def unsubscribe(self, pattern: str) -> None:
        if pattern in self.patterns:
            self._hub.regroup(self, self.patterns - {pattern})

    def deliver(self, events: bytes, count: int) -> None:
        """Called by the hub's flush: O(1), never blocks, never raises."""
        if self.dropped or self.closed:
            return
        if self.queued_events + count > self.maxsize:
            self.drop()
            return
        self.queue.append((events, count))
        self.queued_events += count
        self.ready.set()

    def push(self, message: dict[str, Any]) -> None:
        self.queue.append(message)
        self.ready.set()

    def next_frame(self) -> bytes | dict[str, Any]:
        """A control message, or the queued event windows merged up to ``MERGE_LIMIT`` events."""
        first = self.queue.popleft()
        if isinstance(first, dict):
            return first
        parts, count = [first[0]], first[1]
        queue = self.queue
        while queue:
            head = queue[0]
            if isinstance(head, dict) or count + head[1] > MERGE_LIMIT:
                break
            queue.popleft()
            parts.append(head[0])
            count += head[1]
        self.queued_events -= count
        return frame_of(parts[0] if len(parts) == 1 else b",".join(parts), count)

    def drop(self) -> None:
        self.dropped = True
        self.close()
        self.ready.set()

    def close(self) -> None:
        if self.patterns or self.group is not None:
            self._hub.regroup(self, set())


class Hub:
    """Shares bus subscriptions between clients and sends what gathered every ``coalesce_s``."""

    def __init__(self, bus: Bus | None = None, clock: Clock | None = None, coalesce_s: float = 0.0) -> None:
        self._bus = bus
        self._clock = clock
        self._coalesce_s = coalesce_s
        self.clients: set[Client] = set()
        self.dropped = 0
        self.channels: dict[str, Channel] = {}
        self._groups: dict[frozenset[str], Group] = {}
        self._dirty: list[Channel] = []
        self._wake = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None

    def client(self, maxsize: int) -> Client:
        client = Client(self, maxsize)
        self.clients.add(client)
        if self._flusher is None:
            self._wake = asyncio.Event()  # bound to this loop when first awaited: a fresh one per flusher
            if self._dirty:
                self._wake.set()
            self._flusher = asyncio.get_running_loop().create_task(self._run())
            self._flusher.add_done_callback(self._flusher_ended)
        return client

    def _flusher_ended(self, task: asyncio.Task[None]) -> None:
        """A flusher that died is logged and forgotten, so the next client starts another."""
        if task is self._flusher:
            self._flusher = None
        if not task.cancelled() and task.exception() is not None:
            log.error("ws.flusher_failed", error=repr(task.exception()))

    def release(self, client: Client) -> None:
        client.closed = True
        client.close()
        self.clients.discard(client)
        if client.dropped:
            self.dropped += 1
        if not self.clients and self._flusher is not None:
            # Cancelled, not awaited: the connection closing may itself be under cancellation.
            self._flusher.cancel()
            self._flusher = None

    def regroup(self, client: Client, patterns: set[str]) -> None:
        """Move ``client`` to the group of ``patterns``, opening and closing channels as needed.

        The new group is joined before the old one is left: a channel both use never loses its
        last group in between, so its bus subscription and the events it gathered this window stay.
        """
        old = client.group
        group: Group | None = None
        if patterns:
            key = frozenset(patterns)
            group = self._groups.get(key)
            if group is None:
                group = Group(key, [self._channel(p) for p in sorted(key)])
                self._groups[key] = group
                for channel in group.channels:
                    channel.groups.add(group)
            group.members.add(client)
        client.patterns = patterns
        client.group = group
        if old is not None and old is not group:
            old.members.discard(client)
            if not old.members:
                self._retire(old)

    def _channel(self, pattern: str) -> Channel:
        channel = self.channels.get(pattern)
        if channel is None:
            if self._bus is None:
                raise ValueError("no event bus in this process")
            channel = Channel(pattern)
            dirty = self._dirty
            pending = channel.pending

            def on_event(event: Any) -> None:
                if not pending:
                    dirty.append(channel)
                    self._wake.set()  # read each time: a new flusher on a new loop has a new Event
                pending.append(encode_event(pattern, event))

            channel.subscription = self._bus.subscribe(pattern, on_event)
            self.channels[pattern] = channel
        return channel

    def _retire(self, group: Group) -> None:
        del self._groups[group.key]
        for channel in group.channels:
            channel.groups.discard(group)
            if not channel.groups:
                del self.channels[channel.pattern]
                if channel.subscription is not None:
                    channel.subscription.cancel()
                channel.pending.clear()  # a dirty channel with no one left flushes to nobody

    def collect(self) -> list[tuple[Group, tuple[Client, ...], bytes, int]]:
        """What each group gets from the events its patterns gathered since the last flush."""
        dirty = self._dirty.copy()
        self._dirty.clear()  # cleared in place: the channels' callbacks hold this list
        self._wake.clear()
        if not dirty:
            return []
        groups: set[Group] = set()
        for channel in dirty:
            channel.joined = b",".join(channel.pending)
            channel.count = len(channel.pending)
            channel.pending.clear()
            groups.update(channel.groups)
        out = []
        for group in groups:
            parts = [c.joined for c in group.channels if c.count]
            count = sum(c.count for c in group.channels)
            events = parts[0] if len(parts) == 1 else b",".join(parts)
            out.append((group, tuple(group.members), events, count))
        for channel in dirty:
            channel.joined = b""
            channel.count = 0
        return out

    def flush(self) -> None:
        """Hand every client what gathered for it, at once."""
        for _group, members, events, count in self.collect():
            for member in members:
                member.deliver(events, count)

    async def _run(self) -> None:
        """Flush every window, yielding to the loop every ``YIELD_EVERY`` clients.

        Each delivery wakes a client's sender, and asyncio runs all the callbacks that are ready in
        one go: handing 500 clients their frame at once would keep the engine's own callbacks
        waiting behind 500 sends. In slices, a timer the engine set waits for ``YIELD_EVERY`` sends.
        """
        while True:
            await self._wake.wait()
            if self._coalesce_s > 0 and self._clock is not None:
                await self._clock.sleep(self._coalesce_s)
            else:
                await asyncio.sleep(0)
            handed = 0
            for group, members, events, count in self.collect():
                for member in members:
                    if member.group is group:  # not one that changed its subscriptions meanwhile
                        member.deliver(events, count)
                    handed += 1
                    if handed % YIELD_EVERY == 0:
                        await asyncio.sleep(0)
