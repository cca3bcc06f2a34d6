"""Journal retention: entries are deleted by age, a longer life for the more severe levels.

Debug lines (the market events at the root of chains) matter for days, routine facts for months,
errors for years; each level has its own age (``ops.retention_days``). The purge runs at start
and then every ``every_s`` on the injected clock, off the hot path, in chunks (see the repository).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import structlog

from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.system import Level
from freeride.ports.journal import JournalRepository

log = structlog.get_logger(__name__)

DAY_NS = 86_400 * NS_PER_SECOND


def cutoffs(days: Mapping[Level, float], now_ns: int) -> dict[Level, int]:
    """The time before which each level's entries are deleted."""
    return {level: now_ns - int(d * DAY_NS) for level, d in days.items()}


class JournalRetention(Component):
    name = "journal-retention"

    def __init__(
        self, repo: JournalRepository, clock: Clock, days: Mapping[Level, float], *, every_s: float = 3_600.0
    ) -> None:
        super().__init__()
        self._repo = repo
        self._clock = clock
        self.days = dict(days)
        self.every_s = every_s
        self.deleted = 0
        self._task: asyncio.Task[None] | None = None

    async def purge_once(self) -> int:
        n = await self._repo.purge(cutoffs(self.days, self._clock.now_ns()))
        self.deleted += n
        if n:
            log.info("journal.purged", entries=n)
        return n

    async def _on_start(self) -> None:
        self._task = self.spawn(self._loop)

    async def _on_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.purge_once()
            except Exception as exc:  # the database is busy or down: the next round tries again
                log.warning("journal.purge_failed", error=repr(exc))
            await self._clock.sleep(self.every_s)
