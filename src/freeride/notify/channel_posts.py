"""Events → notifications for the Discord channels subscribed to their topic, through the outbox.

Each topic (``alerts``, ``plans``, ``fills``, ``anomalies``) is a bus pattern, the event types it
carries and a renderer (the one the owning service uses for its own channels, handed in by the
composition root, so a fill reads the same wherever it is posted). Events reach this component
through a bounded inbox and are written to the outbox in batches, one write and one wake-up of
the relay per batch (retried, never dropped, while the database is away): a burst of thousands of
events is a handful of writes, and the relay packs
what is due into as few messages as Discord's limits allow. A channel first seen (``/subscribe``
while running) is announced once through ``on_new_channel`` so the relay starts delivering to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from freeride.bus import topics
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.notify import Notification, outbox_ready
from freeride.net.retry import Backoff
from freeride.notify.subscriptions import ChannelTopics
from freeride.ports.bus import Bus, Inbox, Overflow
from freeride.ports.notify import OutboxRepository

log = structlog.get_logger(__name__)

Render = Callable[[Any, str], Notification | None]


@dataclass(frozen=True)
class Route:
    topic: str  # the subscription's name: alerts, plans, fills, anomalies
    pattern: str  # the bus pattern its events come on
    types: tuple[type, ...]
    render: Render  # (event, outbox channel) → the notification, or None to stay silent


class ChannelPoster(Component):
    name = "discord-posts"

    def __init__(
        self,
        bus: Bus,
        clock: Clock,
        outbox: OutboxRepository,
        subscriptions: ChannelTopics,
        routes: Sequence[Route],
        *,
        channel_name: Callable[[str], str],
        on_new_channel: Callable[[str], None] | None = None,
        on_stop: Callable[[], Awaitable[None]] | None = None,
        queue_size: int = 50_000,
        batch: int = 2_000,
    ) -> None:
        super().__init__()
        self._bus = bus
        self._clock = clock
        self._outbox = outbox
        self.subscriptions = subscriptions
        self._routes = list(routes)
        self._channel_name = channel_name
        self._on_new = on_new_channel
        self._closing = on_stop
        self._known: set[str] = set()
        self._queue_size = queue_size
        self._batch = batch
        self._inbox: Inbox | None = None
        self._task: asyncio.Task[None] | None = None
        self.events = 0
        self.notifications = 0
        self.writes = 0
        self.outbox_failures = 0

    async def _on_start(self) -> None:
        self._inbox = self._bus.subscribe_queue(
            [r.pattern for r in self._routes],
            name=self.name,
            maxsize=self._queue_size,
            overflow=Overflow.DROP_OLDEST,
        )
        self._task = self.spawn(self._drain)

    async def _on_stop(self) -> None:
        if self._inbox is not None:
            await self._inbox.wait_idle()
            self._inbox.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._closing is not None:
            await self._closing()

    def _route(self, event: Any) -> Route | None:
        return next((r for r in self._routes if isinstance(event, r.types)), None)

    def notes(self, events: Sequence[Any]) -> list[Notification]:
        """The notifications a batch of events makes for the channels subscribed now."""
        out: list[Notification] = []
        for event in events:
            route = self._route(event)
            if route is None:
                continue
            for channel_id in self.subscriptions.channels_for(route.topic):
                if channel_id not in self._known:
                    self._known.add(channel_id)
                    if self._on_new is not None:
                        self._on_new(channel_id)
                note = route.render(event, self._channel_name(channel_id))
                if note is not None:
                    out.append(note)
        return out

    async def _drain(self) -> None:
        assert self._inbox is not None
        while True:
            batch = await self._inbox.get_batch(self._batch)
            if not batch:
                return
            try:
                self.events += len(batch)
                notes = self.notes(batch)
                if notes:
                    await self._write(notes)
            finally:
                self._inbox.done(len(batch))

    async def _write(self, notes: list[Notification]) -> None:
        """Into the outbox; while the database is away, tried again after a growing pause (events
        meanwhile wait in the bounded inbox), never dropped."""
        backoff = Backoff(1.0, 30.0)
        while True:
            try:
                await self._outbox.enqueue(notes)
                break
            except Exception as exc:
                wait = backoff.next_delay()
                self.outbox_failures += 1
                log.error("discord_posts.outbox_failed", error=repr(exc), waiting=len(notes), retry_in_s=wait)
                await self._clock.sleep(wait)
        self.writes += 1
        self.notifications += len(notes)
        channels = tuple(dict.fromkeys(n.channel for n in notes))
        self._bus.publish(
            topics.outbox_ready(), outbox_ready(len(notes), "discord", self._clock.now_ns(), channels)
        )
