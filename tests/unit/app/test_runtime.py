"""The runtime: all-or-nothing starts, stops in reverse past failures, supervised tasks, stop requests."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from freeride.app.interrupts import FORCED_EXIT_STATUS, Interrupts
from freeride.app.runtime import RestartPolicy, Runtime, StartFailed
from freeride.bus import topics
from freeride.config.settings import Settings, load_settings
from freeride.core.clock import ManualClock
from freeride.core.component import Component
from freeride.core.system import Level, SystemEvent


class Part(Component):
    def __init__(
        self, name: str, log: list[str], *, fail_start: bool = False, fail_stop: bool = False
    ) -> None:
        super().__init__()
        self.name = name
        self._log = log
        self._fail_start = fail_start
        self._fail_stop = fail_stop

    async def _on_start(self) -> None:
        if self._fail_start:
            raise OSError(f"{self.name} cannot bind")
        self._log.append(f"start {self.name}")

    async def _on_stop(self) -> None:
        self._log.append(f"stop {self.name}")
        if self._fail_stop:
            raise OSError(f"{self.name} is stuck")


def settings(tmp_path: Path) -> Settings:
    return load_settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'rt.db'}")


async def test_components_start_in_order_and_stop_in_reverse(tmp_path: Path) -> None:
    log: list[str] = []
    async with Runtime.open(settings(tmp_path), ManualClock(1)) as rt:
        for name in ("db-writer", "manager", "server"):
            rt.add(Part(name, log))
        await rt.start()
        assert rt.undone() == ["server (running)", "manager (running)", "db-writer (running)"]
    assert log == [
        "start db-writer", "start manager", "start server", "stop server", "stop manager", "stop db-writer",
    ]  # fmt: skip


async def test_a_failed_start_stops_what_had_started_and_starts_nothing_after(tmp_path: Path) -> None:
    log: list[str] = []
    async with Runtime.open(settings(tmp_path), ManualClock(1)) as rt:
        rt.add(Part("recorder", log))
        rt.add(Part("manager", log))
        rt.add(Part("server", log, fail_start=True))
        rt.add(Part("strategy", log))
        with pytest.raises(StartFailed, match="server failed to start: server cannot bind") as caught:
            await rt.start()
        assert caught.value.component == "server"
        assert rt.stop_reason == "server failed to start: server cannot bind"
    assert log == ["start recorder", "start manager", "stop manager", "stop recorder"]


async def test_a_component_that_fails_to_stop_does_not_keep_the_others_running(tmp_path: Path) -> None:
    log: list[str] = []
    async with Runtime.open(settings(tmp_path), ManualClock(1)) as rt:
        rt.add(Part("recorder", log))
        rt.add(Part("stuck", log, fail_stop=True))
        rt.add(Part("server", log))
        await rt.start()
        problems = await rt.stop()
    assert log[-3:] == ["stop server", "stop stuck", "stop recorder"]
    assert problems == ["stuck did not stop cleanly: OSError('stuck is stuck')"]


class Flaky(Component):
    """A component whose background task dies ``deaths`` times before it runs for good."""

    name = "flaky"

    def __init__(self, deaths: int) -> None:
        super().__init__()
        self.deaths = deaths
        self.runs = 0
        self.settled = asyncio.Event()

    async def _work(self) -> None:
        self.runs += 1
        if self.runs <= self.deaths:
            raise ConnectionError(f"lost the feed (run {self.runs})")
        self.settled.set()
        await asyncio.Event().wait()

    async def _on_start(self) -> None:
        self._task = self.spawn(self._work, "flaky:loop")

    async def _on_stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


async def _until(predicate: object, clock: ManualClock, step_s: float = 1.0) -> None:
    for _ in range(200):
        if callable(predicate) and predicate():
            return
        await asyncio.sleep(0)
        clock.advance(step_s)
    raise AssertionError("condition never became true")


async def test_a_dying_task_is_reported_and_restarted_with_backoff(tmp_path: Path) -> None:
    clock = ManualClock(1)
    async with Runtime.open(settings(tmp_path), clock, restart=RestartPolicy(base_s=2, max_restarts=5)) as rt:
        seen: list[SystemEvent] = []
        rt.bus.subscribe(topics.ALL_SYSTEM, seen.append)
        flaky = rt.add(Flaky(deaths=2))
        await rt.start()
        await _until(flaky.settled.is_set, clock)
        assert flaky.runs == 3
        deaths = [e for e in seen if e.kind == "task_died"]
        assert [e.level for e in deaths] == [Level.ERROR, Level.ERROR]
        assert "flaky:loop of flaky died (ConnectionError('lost the feed (run 1)')); restart 1 in 2 s" in (
            deaths[0].message
        )
        assert deaths[1].message.endswith("restart 2 in 4 s")
        assert deaths[0].data["alert"] is True  # the relay pages the operator on these
        assert not rt.stopping


async def test_a_task_that_keeps_dying_stops_the_runtime_with_the_reason(tmp_path: Path) -> None:
    clock = ManualClock(1)
    async with Runtime.open(settings(tmp_path), clock, restart=RestartPolicy(base_s=1, max_restarts=2)) as rt:
        seen: list[SystemEvent] = []
        rt.bus.subscribe(topics.ALL_SYSTEM, seen.append)
        flaky = rt.add(Flaky(deaths=10))
        await rt.start()
        await _until(lambda: rt.stopping, clock)
        assert flaky.runs == 3
        reason = await rt.wait()
        assert reason.startswith("flaky:loop of flaky died (ConnectionError('lost the feed (run 3)'))")
        assert reason.endswith("and is not restarted again")
        assert [e.kind for e in seen] == ["task_died", "task_died", "task_gave_up"]
        assert seen[-1].level is Level.CRITICAL


async def test_run_returns_when_the_work_is_done_or_a_stop_cancels_it(tmp_path: Path) -> None:
    async with Runtime.open(settings(tmp_path), ManualClock(1)) as rt:
        done: list[str] = []

        async def short() -> None:
            done.append("fed")

        assert await rt.run(short()) == "done"
        assert done == ["fed"]

        cancelled: list[bool] = []
        started = asyncio.Event()

        async def endless() -> None:
            started.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(True)
                raise

        running = asyncio.create_task(rt.run(endless()))
        await started.wait()
        rt.request_stop("SIGTERM")
        assert await running == "SIGTERM"
        assert cancelled == [True]


async def test_run_with_hold_serves_on_until_a_stop_and_errors_propagate(tmp_path: Path) -> None:
    async with Runtime.open(settings(tmp_path), ManualClock(1)) as rt:

        async def short() -> None:
            return None

        holding = asyncio.create_task(rt.run(short(), hold=True))
        for _ in range(5):
            await asyncio.sleep(0)
        assert not holding.done()  # the feed is over; still serving
        rt.request_stop("SIGINT")
        assert await holding == "SIGINT"

    async with Runtime.open(settings(tmp_path), ManualClock(1)) as rt:

        async def broken() -> None:
            raise ValueError("bars.csv:3: close 'n/a' is not a number")

        with pytest.raises(ValueError, match="not a number"):
            await rt.run(broken(), hold=True)


def test_the_first_interrupt_stops_cleanly_and_a_second_forces_the_exit() -> None:
    stops: list[str] = []
    exits: list[int] = []
    out = io.StringIO()
    interrupts = Interrupts(stops.append, lambda: ["recorder (stopping)"], out=out, exit=exits.append)
    interrupts.received_signal("SIGINT")
    assert (stops, exits, out.getvalue()) == (["SIGINT"], [], "")
    interrupts.received_signal("SIGINT")
    assert exits == [FORCED_EXIT_STATUS]
    assert out.getvalue() == "forced exit on a second SIGINT: left undone: recorder (stopping)\n"
