"""One process's runtime: the database opened once, components started in order and supervised.

Every entry point (``freeride run``, ``freeride live``, the CLI commands that touch the database)
goes through a ``Runtime``:

    async with Runtime.open(settings, clock) as rt:      # database migrated once, one engine, one bus
        rt.add(recorder, alerts, manager, server)         # in dependency order
        await rt.start()                                  # a failure stops what had started, in reverse
        reason = await rt.wait()                          # a signal, a task that gave up, or a request
    # leaving the block stops every component in reverse (draining queues) and closes the database

Starting is all or nothing: when a component fails to start, those already started are stopped
in reverse and the error propagates, so a failed start never leaves a half-running service.
Stopping goes on past a component that fails to stop (it is logged and reported) so one broken
part cannot keep the others, or the database, open.

Supervision: each added component's ``spawn``-ed tasks report here when they die. The death is
logged and published as an error ``SystemEvent`` (the notification relay pages the operator on
those); the task is restarted after an exponential backoff, and after ``max_restarts`` deaths in a
row the runtime asks itself to stop, with the reason, rather than run on without that part.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.app.bus import build_bus
from freeride.app.database import open_database
from freeride.app.interrupts import Interrupts
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.system import Detail, Level, SystemEvent

log = structlog.get_logger(__name__)

C = TypeVar("C", bound=Component)


class StartFailed(RuntimeError):
    """A component could not start; everything started before it has been stopped again."""

    def __init__(self, component: str, error: BaseException) -> None:
        self.component = component
        self.error = error
        super().__init__(f"{component} failed to start: {error}")


@dataclass(frozen=True)
class RestartPolicy:
    """How a dying background task is restarted: ``base_s`` doubling up to ``cap_s``, at most
    ``max_restarts`` times in a row (a task that ran a minute before dying starts counting anew)."""

    base_s: float = 1.0
    cap_s: float = 30.0
    max_restarts: int = 5

    def delay(self, restarts: int) -> float | None:
        if restarts >= self.max_restarts:
            return None
        return float(min(self.cap_s, self.base_s * 2**restarts))


class Runtime:
    """See the module docstring. Build with ``Runtime.open``; components with ``add``."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        engine: AsyncEngine,
        *,
        bus: InMemoryBus | None = None,
        restart: RestartPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = engine
        self.bus = bus if bus is not None else InMemoryBus(clock)
        self.restart = restart or RestartPolicy()
        self._components: list[Component] = []
        self._started: list[Component] = []
        self._stop = asyncio.Event()
        self.stop_reason = ""
        self.stop_requested_ns: int | None = None
        self.problems: list[str] = []  # what went wrong while stopping

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: Settings,
        clock: Clock,
        *,
        restart: RestartPolicy | None = None,
        signals: bool = False,
        bus: InMemoryBus | None = None,
    ) -> AsyncIterator[Runtime]:
        """A runtime on ``settings.database_url`` (migrated once); stopped and closed on exit.

        With ``signals``, the first SIGINT/SIGTERM requests a stop and a second forces the exit
        (see ``app.interrupts``); for the process's main job, not for commands that just read.
        ``bus`` is a worker's own (its role's consumer group); otherwise ``bus.backend``'s.
        """
        bus = bus if bus is not None else build_bus(settings, clock)
        async with open_database(settings.database_url) as engine:
            runtime = cls(settings, clock, engine, bus=bus, restart=restart)
            interrupts = Interrupts(runtime.request_stop, runtime.undone) if signals else None
            if interrupts is not None:
                interrupts.install()
            try:
                yield runtime
            finally:
                try:
                    await runtime.stop()
                finally:
                    try:
                        await bus.close()  # what stopping components published is written out
                    finally:
                        if interrupts is not None:
                            interrupts.remove()

    # -- components ------------------------------------------------------------------------------
    def add(self, component: C) -> C:
        """Add ``component`` after those already added (it starts after them, stops before them);
        one added after ``start`` starts at the next ``start``."""
        component.supervisor = self
        self._components.append(component)
        return component

    def add_all(self, components: Iterable[Component]) -> None:
        for component in components:
            self.add(component)

    @property
    def components(self) -> list[Component]:
        return list(self._components)

    def undone(self) -> list[str]:
        """The components still started, in the order they would be stopped."""
        return [f"{c.name} ({c.state.value})" for c in reversed(self._started)]

    async def start(self, upto: int | None = None) -> None:
        """Start the components not yet started, in order (only the first ``upto`` of all when
        given, for a start in phases); on a failure, stop every started one and raise
        ``StartFailed``. The bus starts carrying events before the first component starts."""
        await self.bus.open()
        for component in self._components[len(self._started) : upto]:
            try:
                await component.start()
            except BaseException as exc:
                log.error("runtime.start_failed", component=component.name, error=repr(exc))
                self.request_stop(f"{component.name} failed to start: {exc}")
                await self.stop()
                if isinstance(exc, Exception):
                    raise StartFailed(component.name, exc) from exc
                raise
            self._started.append(component)

    async def stop(self, keep: int = 0) -> list[str]:
        """Stop the started components in reverse, leaving the first ``keep`` running (to read the
        broker between the front and the core, say); returns the problems met (also logged).
        A full stop first stops the bus taking events from elsewhere (what is in hand is finished)."""
        if keep == 0 and self._started:
            await self.bus.drain()
        while len(self._started) > keep:
            component = self._started.pop()
            try:
                await component.stop()
            except Exception as exc:
                problem = f"{component.name} did not stop cleanly: {exc!r}"
                log.error("runtime.stop_failed", component=component.name, error=repr(exc))
                self.problems.append(problem)
        del self._components[len(self._started) :]
        return list(self.problems)

    # -- stopping on request -----------------------------------------------------------------------
    def request_stop(self, reason: str, at_ns: int | None = None) -> None:
        """Ask the runtime to stop (a signal, the CLI's ``--seconds``, a task that gave up);
        ``at_ns`` is when the stop is due, when that is known exactly (a deadline)."""
        if not self._stop.is_set():
            self.stop_reason = reason
            self.stop_requested_ns = self.clock.now_ns() if at_ns is None else at_ns
            self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def wait(self) -> str:
        """Until a stop is requested; returns why."""
        await self._stop.wait()
        return self.stop_reason

    async def run(self, work: Coroutine[Any, Any, None], *, hold: bool = False) -> str:
        """Run ``work`` (a replay, a live session) until it ends or a stop is requested, which
        cancels it; with ``hold``, wait for a stop after it ended too (a run that serves on).
        An error in ``work`` propagates. Returns why it ended: the stop's reason or ``done``."""
        working = asyncio.ensure_future(work)
        stopped = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({working, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (working, stopped):
                task.cancel()
            await asyncio.gather(working, stopped, return_exceptions=True)
        if not working.cancelled():
            working.result()
        if hold and not self.stopping:
            log.info("runtime.holding", message="the work is done; serving until interrupted")
            await self._stop.wait()
        return self.stop_reason if self.stopping else "done"

    # -- Supervisor --------------------------------------------------------------------------------
    def now_ns(self) -> int:
        return self.clock.now_ns()

    async def sleep(self, seconds: float) -> None:
        await self.clock.sleep(seconds)

    async def task_died(self, component: str, task: str, error: Exception, restarts: int) -> float | None:
        delay = None if self.stopping else self.restart.delay(restarts)
        if delay is None:
            message = f"{task} of {component} died ({error!r}) and is not restarted again"
            log.error("runtime.task_gave_up", component=component, task=task, error=repr(error))
            self.system(Level.CRITICAL, "task_gave_up", message, source=component, task=task)
            self.request_stop(message)
            return None
        message = f"{task} of {component} died ({error!r}); restart {restarts + 1} in {delay:g} s"
        log.error("runtime.task_died", component=component, task=task, error=repr(error), exc_info=error)
        self.system(Level.ERROR, "task_died", message, source=component, task=task, restarts=restarts + 1)
        return delay

    def system(
        self, level: Level, kind: str, message: str, *, source: str = "runtime", **data: Detail
    ) -> None:
        """Publish a ``SystemEvent`` (the journal, the dashboard and, for errors, the operator see it)."""
        if level in (Level.ERROR, Level.CRITICAL):
            data.setdefault("alert", True)
        now = self.clock.now_ns()
        self.bus.publish(
            topics.system(level, source),
            SystemEvent(
                source=source, kind=kind, level=level, message=message, data=data, ts_event=now, ts_init=now
            ),
        )
