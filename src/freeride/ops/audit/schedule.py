"""The self-audit on a schedule: a running engine writes it every ``every_days`` and posts it.

Every hour (on the clock) the component looks for the newest ``audit_written`` journal entry; when
it is older than ``every_days`` (or there is none and the process has run that long) it measures
the last ``every_days``, writes the files into ``folder``, journals ``audit_written`` and queues a
summary on each of ``channels`` through the outbox. A failure is logged and tried at the next look.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import structlog

from freeride.bus import topics
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.notify import outbox_ready
from freeride.core.system import Level, SystemEvent
from freeride.ops.audit.build import AuditFiles, measure, summary, write
from freeride.ports.bus import Bus
from freeride.ports.journal import JournalQuery, JournalRepository
from freeride.ports.notify import OutboxRepository

log = structlog.get_logger(__name__)
DAY_NS = 86_400 * NS_PER_SECOND


class AuditSchedule(Component):
    name = "audit-schedule"

    def __init__(
        self,
        bus: Bus,
        clock: Clock,
        repo: JournalRepository,
        folder: Path,
        *,
        every_days: float = 14.0,
        outbox: OutboxRepository | None = None,
        channels: Sequence[str] = (),
        look_every_s: float = 3_600.0,
    ) -> None:
        super().__init__()
        self._bus = bus
        self._clock = clock
        self._repo = repo
        self.folder = folder
        self.every_ns = int(every_days * DAY_NS)
        self._outbox = outbox
        self.channels = list(channels)
        self.look_every_s = look_every_s
        self._started = 0
        self._task: asyncio.Task[None] | None = None
        self.written: list[AuditFiles] = []

    async def _on_start(self) -> None:
        self._started = self._clock.now_ns()
        self._task = self.spawn(self._loop)

    async def _on_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            await self._clock.sleep(self.look_every_s)
            try:
                await self.maybe_audit()
            except Exception as exc:
                log.error("audit.failed", error=repr(exc))

    async def due(self) -> bool:
        now = self._clock.now_ns()
        last = await self._repo.query(JournalQuery(kinds=("audit_written",), newest_first=True, limit=1))
        since = last[0].event.ts_event if last else self._started
        return now - since >= self.every_ns

    async def maybe_audit(self) -> AuditFiles | None:
        if not await self.due():
            return None
        now = self._clock.now_ns()
        figures = await measure(self._repo, now - self.every_ns, now)
        files = await write(figures, self.folder)
        self.written.append(files)
        self._bus.publish(
            topics.system(Level.INFO, "ops"),
            SystemEvent(
                source="ops",
                kind="audit_written",
                message=f"audit written: {files.markdown} ({len(files.priorities)} priorities)",
                data={"markdown": files.markdown, "json": files.json, "priorities": len(files.priorities)},
                ts_event=now,
                ts_init=now,
            ),
        )
        if self._outbox is not None and self.channels:
            await self._outbox.enqueue([summary(files, figures, c, now) for c in self.channels])
            self._bus.publish(topics.outbox_ready(), outbox_ready(len(self.channels), "audit", now))
        return files
