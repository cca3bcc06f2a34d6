"""Keeps a running engine in step with the store, and drives its clock-based changes.

On start it loads every active rule with its stored state (armed, cooling down or expired), so a
restart resumes where the last run stopped. Then, every ``interval_s`` on the injected clock, it
applies rules added, changed or removed by another process (the CLI) and runs the engine's timers,
so a symbol without ticks still has its cooldowns end and its rules expire.
"""

from __future__ import annotations

import asyncio

import structlog

from freeride.alerts.engine import AlertEngine
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.ports.alerts import AlertRepository

log = structlog.get_logger(__name__)
_OVERLAP_NS = 5 * NS_PER_SECOND


class RuleSync(Component):
    name = "alert-sync"

    def __init__(
        self, repo: AlertRepository, engine: AlertEngine, clock: Clock, interval_s: float = 2.0
    ) -> None:
        super().__init__()
        self._repo = repo
        self._engine = engine
        self._clock = clock
        self._interval_s = interval_s
        self._watermark = 0
        self._task: asyncio.Task[None] | None = None

    async def _on_start(self) -> None:
        self._watermark = self._clock.now_ns()
        stored = await self._repo.find(active=True)
        for s in stored:
            self._engine.upsert(s.rule, s.state, self._watermark, version=s.updated_at)
        log.info("alerts.loaded", rules=len(stored))
        self._task = self.spawn(self._run)

    async def _on_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await self._clock.sleep(self._interval_s)
            try:
                await self.sync_once()
            except Exception as exc:  # the store is unreachable: the engine goes on with what it has
                log.error("alerts.sync_failed", error=repr(exc))

    async def sync_once(self) -> int:
        """Apply changes since the last call; returns how many rules changed."""
        now = self._clock.now_ns()
        changed = await self._repo.changed_since(self._watermark)
        # Overlap the windows: a change committed just after the query but stamped before ``now``
        # is seen next time; applying a change twice is harmless.
        self._watermark = now - _OVERLAP_NS
        for stored in changed:
            if stored.deleted:
                self._engine.remove(stored.rule.id)
            else:
                self._engine.upsert(stored.rule, stored.state, now, version=stored.updated_at)
        self._engine.run_timers(now)
        return len(changed)
