"""Stores firings in batches: rule states, history and outbox rows in one transaction each.

The writer drains a lossless bus queue (``PAUSE_SOURCE``) in its own task, so evaluation never
waits for the database and nothing fired is dropped. A batch is whatever has queued since the last
commit; under load batches grow and a commit covers thousands of firings, when quiet each firing
is written at once. A failed write is retried with growing pauses on the injected clock, the batch
kept, and only marked done after it committed. After each commit that queued notifications, an
``outbox_ready`` event wakes the notification relay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog

from freeride.alerts.notifications import notifications_for
from freeride.bus import topics
from freeride.core.alerts import AlertFired
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.notify import Notification, outbox_ready
from freeride.ports.alerts import AlertRepository
from freeride.ports.bus import Bus, Inbox

log = structlog.get_logger(__name__)

BATCH = 5_000
_RETRY_FIRST_S = 0.5
_RETRY_MAX_S = 30.0


class FiringWriter(Component):
    name = "alert-writer"

    def __init__(
        self,
        repo: AlertRepository,
        queue: Inbox,
        bus: Bus,
        clock: Clock,
        *,
        default_channels: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self._repo = repo
        self._queue = queue
        self._bus = bus
        self._clock = clock
        self._defaults = tuple(default_channels)
        self._task: asyncio.Task[None] | None = None
        self.written = 0
        self.failures = 0

    async def _on_start(self) -> None:
        self._task = self.spawn(self._run)

    async def _on_stop(self) -> None:
        self._queue.close()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while True:
            batch = await self._queue.get_batch(BATCH)
            if not batch:
                return
            fired = [e for e in batch if isinstance(e, AlertFired)]
            notes = [n for f in fired for n in notifications_for(f, self._defaults)]
            await self._write(fired, notes)
            self._queue.done(len(batch))
            if notes:
                channels = tuple(dict.fromkeys(n.channel for n in notes))
                ready = outbox_ready(len(notes), "alerts", self._clock.now_ns(), channels)
                self._bus.publish(topics.outbox_ready(), ready)

    async def _write(self, fired: list[AlertFired], notes: list[Notification]) -> None:
        pause = _RETRY_FIRST_S
        while True:
            try:
                await self._repo.record_firings(fired, notes)
            except Exception as exc:  # the database is down: keep the batch, wait, try again
                self.failures += 1
                log.error("alerts.write_failed", error=repr(exc), firings=len(fired), retry_in_s=pause)
                await self._clock.sleep(pause)
                pause = min(pause * 2, _RETRY_MAX_S)
                continue
            self.written += len(fired)
            return
