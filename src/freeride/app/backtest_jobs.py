"""Backtests started over the API: run in a worker thread, progress on the bus, result stored.

Only the data this process already replays (``run.feeds``) can be backtested from the API: a
client names a symbol, never a path, so the API cannot be made to read arbitrary files. The
backtest engine is CPU-bound and pure, so it runs in a thread while the event loop keeps serving;
its progress callback hops back onto the loop to publish ``BacktestProgress`` on
``backtest.progress.<run id>``. Jobs are kept in memory (the last ``KEEP``); finished runs are
stored like ``freeride backtest`` stores them, so ``/api/v1/runs`` lists them with their figures
and ``app.backtest_reports`` can rebuild their reports.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import msgspec
import structlog

from freeride.app.backtest import DataFile, Period, load_bars, run_id_for, store_result
from freeride.app.backtest_reports import inputs_config
from freeride.backtest.engine import run_event
from freeride.backtest.spec import BacktestSpec
from freeride.bus import topics
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.core.errors import FreerideError, InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.exchange.costs import PercentCommission
from freeride.ports.bus import Bus

log = structlog.get_logger(__name__)
KEEP = 50
MAX_RUNNING = 2  # the machine's cores are the engine's first


class BacktestProgress(msgspec.Struct, frozen=True, kw_only=True):
    run_id: str
    status: str  # running, done, failed
    done: int
    total: int
    error: str | None = None
    ts_event: int
    ts_init: int


@dataclass
class Job:
    run_id: str
    strategy: str
    symbol: str
    status: str = "running"
    done: int = 0
    total: int = 0
    summary: dict[str, Any] | None = None
    error: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class BacktestJobs:
    def __init__(self, settings: Settings, bus: Bus | None, clock: Clock) -> None:
        self._settings = settings
        self._bus = bus
        self._clock = clock
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._feeds = {
            parse_instrument(f.symbol).symbol: DataFile(f.resolve_path(), f.symbol, f.interval)
            for f in settings.run.feeds
        }

    @property
    def symbols(self) -> list[str]:
        return sorted(self._feeds)

    def start(
        self,
        strategy: str,
        symbol: str,
        params: dict[str, Any],
        cash: Decimal,
        commission: Decimal,
        period: Period | None = None,
    ) -> Job:
        """Validate, then start in the background; ``InvalidInput`` names what is wrong."""
        data = self._feeds.get(parse_instrument(symbol).symbol)
        if data is None:
            raise InvalidInput(
                f"no data for {symbol!r} in this process; backtestable: {', '.join(self.symbols)}"
            )
        if sum(j.status == "running" for j in self.jobs.values()) >= MAX_RUNNING:
            raise InvalidInput(f"{MAX_RUNNING} backtests are running already; wait for one to finish")
        currency = parse_instrument(symbol).quote_currency
        spec = BacktestSpec(
            strategy=strategy,
            params=dict(params),
            cash=cash,
            currency=currency,
            commission=PercentCommission(commission),
        )
        spec.typed_params()  # bad parameters fail here, before any data is read
        period = period or Period()
        run_id = run_id_for("backtest", spec, [data], {"engine": "event", **period.extra()})
        running = self.jobs.get(run_id)
        if running is not None and running.status == "running":
            return running
        job = Job(run_id=run_id, strategy=strategy, symbol=data.symbol)
        self.jobs[run_id] = job
        self.jobs.move_to_end(run_id)
        while len(self.jobs) > KEEP:
            self.jobs.popitem(last=False)
        job.task = asyncio.create_task(self._run(job, spec, data, period), name=f"backtest {run_id}")
        return job

    async def _run(self, job: Job, spec: BacktestSpec, data: DataFile, period: Period) -> None:
        loop = asyncio.get_running_loop()
        started = self._clock.now_ns()

        def progress(done: int, total: int) -> None:  # called on the worker thread
            loop.call_soon_threadsafe(self._advanced, job, done, total)

        try:
            bars = period.cut(await asyncio.to_thread(load_bars, [data]))
            job.total = sum(len(b) for b in bars)
            self._publish(job)
            result = await asyncio.to_thread(run_event, spec, bars, progress, max(1, job.total // 50))
            summary = result.summary()
            summary["run_id"] = job.run_id
            await store_result(
                self._settings.database_url,
                job.run_id,
                name=f"backtest:{spec.strategy}",
                config={**inputs_config(spec, [data], "event", period), "source": "api"},
                summary=summary,
                started_at=started,
                finished_at=self._clock.now_ns(),
                result=result,
            )
            job.summary, job.status, job.done = summary, "done", job.total
        except (FreerideError, ValueError) as exc:
            job.status, job.error = "failed", str(exc)
        except Exception as exc:  # a bug in one backtest must not take the API down
            log.exception("backtest.failed", run_id=job.run_id)
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
        self._publish(job)

    def _advanced(self, job: Job, done: int, total: int) -> None:
        job.done, job.total = done, total
        self._publish(job)

    def _publish(self, job: Job) -> None:
        if self._bus is None:
            return
        now = self._clock.now_ns()
        event = BacktestProgress(
            run_id=job.run_id,
            status=job.status,
            done=job.done,
            total=job.total,
            error=job.error,
            ts_event=now,
            ts_init=now,
        )
        self._bus.publish(topics.backtest_progress(job.run_id), event)

    async def wait(self, run_id: str) -> Job:
        """The job once it has finished (tests and scripts)."""
        job = self.jobs[run_id]
        if job.task is not None:
            await job.task
        return job
