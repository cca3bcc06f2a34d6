"""The in-process bus: a single-threaded kernel with wildcard routes resolved once per topic.

Hot-path handlers run synchronously, in subscription priority order, on the publisher's thread;
an event published from inside a handler is delivered after the current one has reached every
subscriber, so every subscriber sees events in publish order. I/O components get an
``EventQueue`` instead and drain it in their own task.

Causality: every event published from outside a handler starts a chain, and everything published
while that event is being delivered (by its handlers, and by theirs) belongs to the same chain.
``correlation_id`` names the chain of the event being delivered (``None`` between dispatches);
a ``SystemEvent`` published inside a chain without an id of its own is stamped with it. A handler
that knows its event continues an older chain (a fill of an order placed on an earlier bar) says
so with ``adopt``; code outside any dispatch continues one with ``continuing``. The cost is two
attribute writes per top-level publish: no context variable, no per-event allocation.
"""

from __future__ import annotations

import itertools
import secrets
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from time import perf_counter_ns
from typing import Any

import msgspec
import structlog

from freeride.bus import topics
from freeride.bus.queues import EventQueue, Overflow
from freeride.bus.system_events import system_event
from freeride.core.clock import Clock
from freeride.core.latency import LatencyHistogram
from freeride.core.system import Level, SystemEvent
from freeride.ports.bus import Handler

log = structlog.get_logger(__name__)

_FAILED = "handler_failed"


class _Sub:
    __slots__ = ("bus", "handler", "pattern", "priority", "seq")

    def __init__(self, bus: InMemoryBus, pattern: str, handler: Handler, priority: int, seq: int) -> None:
        self.bus = bus
        self.pattern = pattern
        self.handler = handler
        self.priority = priority
        self.seq = seq

    def cancel(self) -> None:
        self.bus._remove(self)


class _Route:
    """The handlers of one topic, resolved once, and how many events were published on it."""

    __slots__ = ("count", "handlers")

    def __init__(self, handlers: tuple[Handler, ...]) -> None:
        self.handlers = handlers
        self.count = 0


def handler_name(handler: Handler) -> str:
    """``Class.method[component name]``: a bounded label naming a handler in metrics."""
    name = getattr(handler, "__qualname__", type(handler).__name__)
    owner = getattr(getattr(handler, "__self__", None), "name", None)
    return f"{name}[{owner}]" if isinstance(owner, str) else name


class InMemoryBus:
    """Publish/subscribe within one process.

    Measures itself as it goes: events published per topic (one integer on the cached route) and,
    on one dispatch in ``sample_every``, how long each handler took (``handler_latency``, by
    handler): a clock read per handler on every event would cost as much as the delivery.
    """

    sample_every = 256

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._subs: list[_Sub] = []
        self._routes: dict[str, _Route] = {}
        self._retired: dict[str, int] = {}  # counts of routes dropped when subscriptions changed
        self._countdown = self.sample_every
        self.handler_latency: dict[str, LatencyHistogram] = {}
        self._seq = itertools.count()
        self._queues: list[EventQueue] = []
        self._backlog: deque[tuple[str, Any]] = deque()
        self._dispatching = False
        self.published = 0
        self.handler_failures = 0
        # the chain being delivered: its number in this process, or an id adopted from elsewhere
        self._chain = 0
        self._chain_id: str | None = None
        self._inherited: str | None = None
        self._root: Any = None
        self.chain_prefix = f"{secrets.randbits(32):08x}"

    # -- subscribing -------------------------------------------------------------------------
    def subscribe(self, pattern: str, handler: Handler, *, priority: int = 0) -> _Sub:
        """Call ``handler(event)`` for each event on a matching topic; lower ``priority`` runs first."""
        sub = _Sub(self, topics.validate_pattern(pattern), handler, priority, next(self._seq))
        self._subs.append(sub)
        self._subs.sort(key=lambda s: (s.priority, s.seq))
        self._retire_routes()
        return sub

    def subscribe_queue(
        self,
        pattern: str | list[str],
        *,
        name: str,
        maxsize: int = 10_000,
        overflow: Overflow = Overflow.DROP_OLDEST,
    ) -> EventQueue:
        """A bounded inbox for an I/O component; see ``bus.queues`` for the overflow policies."""
        queue = EventQueue(name, maxsize, overflow, on_drop=self._queue_dropped)
        for p in [pattern] if isinstance(pattern, str) else pattern:
            self.subscribe(p, queue.put, priority=1_000_000)
        self._queues.append(queue)
        return queue

    def _remove(self, sub: _Sub) -> None:
        if sub in self._subs:
            self._subs.remove(sub)
            self._retire_routes()

    def _resolve(self, topic: str) -> _Route:
        route = self._routes[topic] = _Route(
            tuple(s.handler for s in self._subs if topics.matches(s.pattern, topic))
        )
        return route

    def _retire_routes(self) -> None:
        retired = self._retired
        for topic, route in self._routes.items():
            if route.count:
                retired[topic] = retired.get(topic, 0) + route.count
        self._routes.clear()

    def topic_counts(self) -> dict[str, int]:
        """Events published per topic since the bus was made (those nobody listened to included)."""
        out = dict(self._retired)
        for topic, route in self._routes.items():
            if route.count:
                out[topic] = out.get(topic, 0) + route.count
        return out

    # -- publishing ----------------------------------------------------------------------------
    def publish(self, topic: str, event: Any) -> None:
        route = self._routes.get(topic)
        if route is None:
            route = self._resolve(topic)
        route.count += 1
        handlers = route.handlers
        if not handlers:
            return
        if self._dispatching:
            if type(event) is SystemEvent and event.correlation_id is None:
                event = msgspec.structs.replace(event, correlation_id=self.correlation_id)
            self._backlog.append((topic, event))
            return
        self._dispatching = True
        self._chain = self.published + 1
        self._chain_id = self._inherited
        self._root = event
        countdown = self._countdown - 1
        if countdown:
            self._countdown = countdown
            deliver = self._deliver
        else:  # this whole dispatch is the one in ``sample_every`` that is timed, handler by handler
            self._countdown = self.sample_every
            deliver = self._deliver_timed
        try:
            deliver(topic, event, handlers)
            backlog = self._backlog
            while backlog:
                t, e = backlog.popleft()
                r = self._routes.get(t)
                deliver(t, e, (r if r is not None else self._resolve(t)).handlers)
        finally:
            self._dispatching = False

    # -- causality -----------------------------------------------------------------------------
    @property
    def correlation_id(self) -> str | None:
        """The chain of the event being delivered; ``None`` outside a dispatch."""
        if not self._dispatching:
            return None
        if self._chain_id is None:
            self._chain_id = f"{self.chain_prefix}-{self._chain}"
        return self._chain_id

    @property
    def root(self) -> Any:
        """The event that started the current dispatch (what a chain's first hop was)."""
        return self._root if self._dispatching else None

    def adopt(self, correlation_id: str) -> None:
        """The rest of the current dispatch belongs to chain ``correlation_id``."""
        if self._dispatching:
            self._chain_id = correlation_id

    @contextmanager
    def continuing(self, correlation_id: str | None) -> Iterator[None]:
        """Events published at top level inside the block continue ``correlation_id``'s chain."""
        before, self._inherited = self._inherited, correlation_id
        try:
            yield
        finally:
            self._inherited = before

    def _deliver(self, topic: str, event: Any, handlers: tuple[Handler, ...]) -> None:
        self.published += 1
        for handler in handlers:
            try:
                handler(event)
            except Exception as exc:  # one failing handler must not starve the others
                self._handler_failed(topic, handler, exc, event)

    def _deliver_timed(self, topic: str, event: Any, handlers: tuple[Handler, ...]) -> None:
        self.published += 1
        stats = self.handler_latency
        for handler in handlers:
            began = perf_counter_ns()
            try:
                handler(event)
            except Exception as exc:
                self._handler_failed(topic, handler, exc, event)
            took = (perf_counter_ns() - began) / 1e9
            name = handler_name(handler)
            histogram = stats.get(name)
            if histogram is None:
                histogram = stats[name] = LatencyHistogram()
            histogram.observe(took)

    def _handler_failed(self, topic: str, handler: Handler, exc: Exception, event: Any) -> None:
        self.handler_failures += 1
        name = getattr(handler, "__qualname__", repr(handler))
        log.error("bus.handler_failed", topic=topic, handler=name, error=repr(exc))
        if isinstance(event, SystemEvent) and event.kind == _FAILED:
            return  # a handler failing on a failure report: logged only, never reported in a loop
        message = f"handler {name} failed on {topic}: {exc!r}"
        event = system_event(
            "bus",
            _FAILED,
            Level.ERROR,
            message,
            self._clock.now_ns(),
            topic=topic,
            handler=name,
            error=type(exc).__name__,
        )
        self.publish(topics.system(Level.ERROR, "bus"), event)

    def _queue_dropped(self, queue: EventQueue) -> None:
        # Report the first drop of each thousand, not every one: a flood of reports would be its own overload.
        if queue.dropped % 1_000 != 1:
            return
        message = (
            f"consumer {queue.name!r} is falling behind: {queue.dropped} events dropped "
            f"({queue.overflow.value}, maxsize {queue.maxsize})"
        )
        event = system_event(
            "bus",
            "queue_overflow",
            Level.WARNING,
            message,
            self._clock.now_ns(),
            queue=queue.name,
            dropped=queue.dropped,
        )
        self.publish(topics.system(Level.WARNING, "bus"), event)

    # -- lifecycle (a bus between processes has connections and tasks; this one has none) -----
    async def open(self) -> None:
        """Start carrying events (the runtime calls it before the first component starts)."""

    async def drain(self) -> None:
        """Stop taking events from elsewhere (the runtime calls it before stopping components)."""

    async def close(self) -> None:
        """Deliver what is still on its way out and release connections (after every component)."""

    async def settled(self) -> None:
        """Until events this process published have reached its handlers: at once, here, since
        delivery is synchronous."""

    # -- flow control --------------------------------------------------------------------------
    async def ready(self) -> None:
        """Wait until no lossless (``PAUSE_SOURCE``) queue is over its bound; sources call it."""
        for queue in self._queues:
            if queue.overflow is Overflow.PAUSE_SOURCE:
                await queue.wait_room()

    async def idle(self) -> None:
        """Wait until every queued consumer has handled everything published so far."""
        while True:
            busy = [q for q in self._queues if q.pending and not q.closed]
            if not busy:
                return
            for queue in busy:
                await queue.wait_idle()

    @property
    def queues(self) -> tuple[EventQueue, ...]:
        return tuple(self._queues)

    def close_queues(self) -> None:
        for queue in self._queues:
            queue.close()
