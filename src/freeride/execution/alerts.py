"""Operator alerts: execution's errors and criticals go to every configured notification channel.

A halt, a dead session, an unknown order outcome: each is a system event on the bus (the journal
and the dashboard see it there) and, through this component, a notification in the outbox for
every channel, which the notification relay delivers with retries. The outbox write is I/O, so
the events reach this component through a bounded queue and are written in its own task; the
same alert repeated within ``repeat_after_s`` is sent once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from freeride.bus import topics
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.notify import Notification, outbox_ready
from freeride.core.system import Level, SystemEvent
from freeride.ports.bus import Bus, Inbox, Overflow
from freeride.ports.notify import OutboxRepository

_PATTERNS = [f"system.{Level.ERROR.value}.>", f"system.{Level.CRITICAL.value}.>"]


class OperatorAlerts(Component):
    name = "operator-alerts"

    def __init__(
        self,
        bus: Bus,
        clock: Clock,
        outbox: OutboxRepository,
        channels: Sequence[str],
        *,
        sources: Sequence[str] = ("execution",),
        repeat_after_s: float = 300.0,
    ) -> None:
        super().__init__()
        self._bus = bus
        self._clock = clock
        self._outbox = outbox
        self.channels = list(channels)
        self.sources = set(sources)
        self.repeat_after_s = repeat_after_s
        self._last: dict[tuple[str, str], int] = {}
        self._queue: Inbox | None = None
        self._task: asyncio.Task[None] | None = None
        self.sent = 0

    async def _on_start(self) -> None:
        self._queue = self._bus.subscribe_queue(
            _PATTERNS, name=self.name, maxsize=1_000, overflow=Overflow.DROP_OLDEST
        )
        self._task = self.spawn(self._drain)

    async def _on_stop(self) -> None:
        if self._queue is not None:
            await self._queue.wait_idle()
            self._queue.close()
        if self._task is not None:
            await self._task

    async def _drain(self) -> None:
        assert self._queue is not None
        while True:
            batch = await self._queue.get_batch(100)
            if not batch:
                return
            try:
                notes = [n for e in batch if isinstance(e, SystemEvent) for n in self._notes(e)]
                if notes:
                    await self._outbox.enqueue(notes)
                    self.sent += len(notes)
                    channels = tuple(dict.fromkeys(n.channel for n in notes))
                    ready = outbox_ready(len(notes), "execution", self._clock.now_ns(), channels)
                    self._bus.publish(topics.outbox_ready(), ready)
            finally:
                self._queue.done(len(batch))

    def _notes(self, event: SystemEvent) -> list[Notification]:
        if event.source not in self.sources or not self.channels:
            return []
        key = (event.kind, event.message)
        last = self._last.get(key)
        if last is not None and event.ts_event - last < self.repeat_after_s * NS_PER_SECOND:
            return []
        self._last[key] = event.ts_event
        now = self._clock.now_ns()
        title = f"freeride {event.level.value}: {event.kind.replace('_', ' ')}"
        return [
            Notification(
                channel=channel,
                title=title,
                text=event.message,
                level=event.level,
                source="execution",
                key=event.kind,
                ts_event=event.ts_event,
                ts_init=now,
            )
            for channel in self.channels
        ]
