"""The one start/stop state machine every long-lived component shares, and its supervised tasks.

Subclasses fill the ``_on_start`` / ``_on_stop`` hooks; the public ``start`` and ``stop`` are never
overridden, so every component moves through the same states and the composition root can start
them in dependency order and stop them in reverse.

Background work goes through ``spawn``: a task that dies with an exception is handed to the
component's ``supervisor`` (the process's runtime), which reports it and answers with a delay to
restart after, or gives up and stops the process with the reason. Nothing dies silently. A
component no runtime supervises (a unit test's) lets the exception end the task, as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from enum import StrEnum
from typing import Any, Protocol

log = logging.getLogger(__name__)

TaskFactory = Callable[[], Coroutine[Any, Any, None]]


class Supervisor(Protocol):
    """Decides what happens when a component's background task dies (the runtime implements it)."""

    def now_ns(self) -> int:
        """The supervisor's clock, to tell a task that ran a long time from one that keeps dying."""
        ...

    async def task_died(self, component: str, task: str, error: Exception, restarts: int) -> float | None:
        """Report the death; seconds to wait before restarting it, or ``None`` to give up."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class ComponentState(StrEnum):
    NEW = "new"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


# A task that ran at least this long before dying counts as healthy: its restart count starts over.
HEALTHY_AFTER_NS = 60 * 1_000_000_000


class Component:
    name: str = "component"
    supervisor: Supervisor | None = None

    def __init__(self) -> None:
        self.state = ComponentState.NEW

    def spawn(self, work: TaskFactory, name: str | None = None) -> asyncio.Task[None]:
        """Run ``work()`` as a background task that is restarted (through ``supervisor``) when it
        dies; cancelling the returned task stops it, and it ends when ``work`` returns."""
        task_name = name or self.name
        return asyncio.get_running_loop().create_task(self._supervised(work, task_name), name=task_name)

    async def _supervised(self, work: TaskFactory, task: str) -> None:
        restarts = 0
        while True:
            supervisor = self.supervisor
            began = supervisor.now_ns() if supervisor is not None else 0
            try:
                await work()
                return
            except Exception as exc:
                if supervisor is None:
                    raise
                if supervisor.now_ns() - began >= HEALTHY_AFTER_NS:
                    restarts = 0
                delay = await supervisor.task_died(self.name, task, exc, restarts)
                if delay is None:
                    log.error("%s: %s gave up after %d restarts", self.name, task, restarts)
                    return
                restarts += 1
                await supervisor.sleep(delay)

    async def start(self) -> None:
        if self.state is ComponentState.RUNNING:
            return
        if self.state not in (ComponentState.NEW, ComponentState.STOPPED):
            raise RuntimeError(f"{self.name}: cannot start from state {self.state.value}")
        self.state = ComponentState.STARTING
        try:
            await self._on_start()
        except BaseException:
            self.state = ComponentState.FAILED
            raise
        self.state = ComponentState.RUNNING

    async def stop(self) -> None:
        """Stop and drain; stopping a component that never ran is a no-op."""
        if self.state in (ComponentState.NEW, ComponentState.STOPPED):
            self.state = ComponentState.STOPPED
            return
        self.state = ComponentState.STOPPING
        try:
            await self._on_stop()
        except BaseException:
            self.state = ComponentState.FAILED
            raise
        self.state = ComponentState.STOPPED

    async def _on_start(self) -> None:
        """Connect, subscribe, spawn tasks."""

    async def _on_stop(self) -> None:
        """Drain, flush, disconnect."""
