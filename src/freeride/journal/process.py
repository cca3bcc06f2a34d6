"""Process start and stop in the journal, with what ran (version, git commit) and what changed.

At start the journal gets a ``process_started`` entry carrying the version, the git commit, the
Python version, the process id, and one short hash per settings section; when those hashes differ
from the previous start's, a ``config_changed`` entry names the sections that changed (hashes of
masked values: a secret is never hashed, so changing only a secret is not reported). At stop,
``process_stopped`` with how long the process ran.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import structlog

from freeride.bus.system_events import SystemEvents
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.system import Detail, Level
from freeride.ports.bus import Bus
from freeride.ports.journal import JournalQuery, JournalRepository

log = structlog.get_logger(__name__)

SECTION = "section."  # data keys holding one settings section's hash each


class ProcessJournal(Component):
    name = "process-journal"

    def __init__(
        self,
        bus: Bus,
        clock: Clock,
        repo: JournalRepository,
        describe: Callable[[], Mapping[str, Detail]],
        sections: Mapping[str, str],
        *,
        role: str = "engine",
    ) -> None:
        """``describe`` (called off the event loop: it may read files) says what is running;
        ``sections`` is each settings section's hash."""
        super().__init__()
        self._bus = bus
        self._clock = clock
        self._events = SystemEvents(bus, clock, "process")
        self._repo = repo
        self._describe = describe
        self.sections = dict(sections)
        self.role = role
        self.started_ns = 0
        self.changed: list[str] = []

    async def _on_start(self) -> None:
        self.started_ns = self._clock.now_ns()
        described = dict(await asyncio.to_thread(self._describe))
        try:
            self.changed = await self._changed_sections()
        except Exception as exc:  # the journal is unreadable: start anyway, say so
            log.warning("journal.previous_start_unreadable", error=repr(exc))
            self.changed = []
        data: dict[str, Detail] = {**described, "role": self.role}
        data.update({SECTION + k: v for k, v in self.sections.items()})
        version = described.get("version", "?")
        commit = described.get("commit")
        at = f" ({str(commit)[:12]})" if commit else ""
        self._emit("process_started", Level.INFO, f"freeride {version}{at} started as {self.role}", data)
        if self.changed:
            self._emit(
                "config_changed",
                Level.WARNING,
                f"settings changed since the last start: {', '.join(self.changed)}",
                {"sections": ",".join(self.changed)},
            )

    async def _on_stop(self) -> None:
        seconds = (self._clock.now_ns() - self.started_ns) / NS_PER_SECOND
        self._emit(
            "process_stopped",
            Level.INFO,
            f"freeride ({self.role}) stopped after {seconds:,.0f} s",
            {"uptime_s": round(seconds, 3), "role": self.role},
        )

    async def _changed_sections(self) -> list[str]:
        last = await self._repo.query(
            JournalQuery(kinds=("process_started",), newest_first=True, limit=20, components=("process",))
        )
        previous = next((r.event for r in last if r.event.data.get("role") == self.role), None)
        if previous is None:
            return []
        before = {k[len(SECTION) :]: v for k, v in previous.data.items() if k.startswith(SECTION)}
        names = sorted(set(before) | set(self.sections))
        return [n for n in names if before.get(n) != self.sections.get(n)]

    def _emit(self, kind: str, level: Level, message: str, data: dict[str, Detail]) -> None:
        self._events.emit(level, kind, message, **data)
