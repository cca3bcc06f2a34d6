"""HTML reports of stored backtests, rebuilt on demand from what the run recorded.

A report is a page of charts (about 100 KB); storing one for every run, sweeps included, would
cost each run a second of plotting that nobody may ever look at. A run's id is a hash of its spec
and of its data files' bytes, and the engine is deterministic, so the run's recorded inputs are
enough: read the spec and the file list back, check that hashing them again gives the same id (the
data have not changed since), run the same engine again and render. Reports are kept for the last
``KEEP`` runs asked for, concurrent asks for one run share one rendering, and at most one renders at
a time, so a reader cannot make the API spend more than a core on it.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import msgspec

from freeride.app.backtest import DataFile, Period, load_bars, run_id_for
from freeride.backtest.engine import run_event
from freeride.backtest.report import write_report
from freeride.backtest.result import BacktestResult
from freeride.backtest.spec import BacktestSpec
from freeride.backtest.vector import run_vector
from freeride.core.errors import FreerideError
from freeride.ports.repositories import RunInfo, RunRepository

KEEP = 20
KIND = "backtest"


class NoSuchRun(LookupError):
    """No run is stored under that id."""


class NoReport(FreerideError):
    """The run exists but its report cannot be rebuilt; the message says why and what to do."""


def inputs_config(
    spec: BacktestSpec, files: list[DataFile], engine: str, period: Period | None = None
) -> dict[str, Any]:
    """What a stored backtest records so that its report can be rebuilt later."""
    config: dict[str, Any] = {
        "spec": spec.to_json(),
        "engine": engine,
        "data": [str(f.path) for f in files],
        "files": [{"path": str(f.path.resolve()), "symbol": f.symbol, "interval": f.interval} for f in files],
    }
    if period is not None and not period.whole:
        config["period"] = period.extra()
    return config


def stored_inputs(run: RunInfo) -> tuple[BacktestSpec, list[DataFile], str, Period]:
    """The spec, data files and engine of a stored backtest; ``NoReport`` when they are not usable."""
    if not run.run_id.startswith(f"{KIND}-"):
        kind = run.name.split(":")[0]
        raise NoReport(f"run {run.run_id!r} is a {kind} run; reports are rebuilt for backtests")
    if run.finished_at is None:
        raise NoReport(f"backtest {run.run_id!r} has not finished")
    config = run.config
    files_config = config.get("files")
    if not isinstance(files_config, list) or not files_config:
        raise NoReport(
            f"backtest {run.run_id!r} was stored without its data file list (an older version); "
            "run it again to get its report"
        )
    try:
        spec = msgspec.convert(config["spec"], BacktestSpec)
        files = [DataFile(Path(f["path"]), str(f["symbol"]), f.get("interval")) for f in files_config]
        period = Period.of(config.get("period"))
    except (msgspec.ValidationError, KeyError, TypeError, ValueError, FreerideError) as exc:
        raise NoReport(f"backtest {run.run_id!r}: its stored inputs do not read back ({exc})") from None
    engine = str(config.get("engine", "event"))
    for f in files:
        if not f.path.is_file():
            raise NoReport(f"backtest {run.run_id!r}: its data file {f.path.name} is gone")
    if run_id_for(KIND, spec, files, {"engine": engine, **period.extra()}) != run.run_id:
        changed = ", ".join(f.path.name for f in files)  # names only: readers need not see the disk
        raise NoReport(f"backtest {run.run_id!r}: its data changed since the run ({changed}); run it again")
    return spec, files, engine, period


def render(
    run_id: str, spec: BacktestSpec, files: list[DataFile], engine: str, period: Period | None = None
) -> str:
    """Run the backtest again and return its self-contained HTML report (CPU-bound: call in a thread)."""
    bars = (period or Period()).cut(load_bars(files))
    result: BacktestResult = run_vector(spec, bars) if engine == "vector" else run_event(spec, bars)
    title = f"{spec.strategy} on {', '.join(f.symbol for f in files)} ({run_id})"
    with tempfile.TemporaryDirectory(prefix="freeride-report-") as out:
        return write_report(result, Path(out), title).html.read_text(encoding="utf-8")


class BacktestReports:
    """Reports of stored backtest runs, by run id."""

    def __init__(self, runs: RunRepository, keep: int = KEEP) -> None:
        self._runs = runs
        self._keep = keep
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._rendering: dict[str, asyncio.Task[str]] = {}
        self._one_at_a_time = asyncio.Semaphore(1)
        self.rendered = 0

    @staticmethod
    def available(run: RunInfo) -> bool:
        """Whether a report can be asked for (it may still fail if the data changed since)."""
        files = run.config.get("files")
        return run.run_id.startswith(f"{KIND}-") and run.finished_at is not None and bool(files)

    async def html(self, run_id: str) -> str:
        """The run's report; ``NoSuchRun`` or ``NoReport`` (with the reason) when there is none.

        The rendering is a task of its own that every asker awaits through a shield: a reader who
        goes away cancels only their wait, never the rendering others wait for, and the rendering
        holds the one-at-a-time slot until its thread is really done.
        """
        cached = self._cache.get(run_id)
        if cached is not None:
            self._cache.move_to_end(run_id)
            return cached
        task = self._rendering.get(run_id)
        if task is None:
            task = asyncio.ensure_future(self._build(run_id))
            self._rendering[run_id] = task
            task.add_done_callback(lambda done: self._settled(run_id, done))
        return await asyncio.shield(task)

    def _settled(self, run_id: str, task: asyncio.Task[str]) -> None:
        self._rendering.pop(run_id, None)
        if task.cancelled() or task.exception() is not None:  # retrieved: never "unhandled"
            return
        self._cache[run_id] = task.result()
        while len(self._cache) > self._keep:
            self._cache.popitem(last=False)

    async def _build(self, run_id: str) -> str:
        run = await self._runs.get(run_id)
        if run is None:
            raise NoSuchRun(f"no run {run_id!r} is stored")
        async with self._one_at_a_time:  # hashing the data files is work too
            spec, files, engine, period = await asyncio.to_thread(stored_inputs, run)
            page = await asyncio.to_thread(render, run_id, spec, files, engine, period)
        self.rendered += 1
        return page
