"""``/api/v1/backtests``: start a backtest on this process's data, follow it, read its figures.

Progress streams on the WebSocket topic ``backtest.progress.<run id>``; finished runs are stored
and also listed by ``/api/v1/runs``. Any finished backtest's HTML report (the page ``freeride
backtest --report`` writes, charts inlined), whether it ran here or from the command line, is at
``/api/v1/backtests/<run id>/report``. Starting one needs ``trade``; reading needs ``read``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from freeride.api.deps import state_of
from freeride.api.deps_v1 import READ, RUN_ID_PATTERN, WRITE
from freeride.api.errors import ERROR_RESPONSES, ApiError, ErrorBody
from freeride.api.pages import Page, Paging
from freeride.app.backtest import Period
from freeride.app.backtest_jobs import BacktestJobs, Job
from freeride.app.backtest_reports import NoReport, NoSuchRun
from freeride.bus import topics
from freeride.core.clock import datetime_to_ns
from freeride.core.errors import InvalidInput
from freeride.strategies.registry import STRATEGIES

router = APIRouter(prefix="/api/v1/backtests", tags=["backtests"], responses=ERROR_RESPONSES)


class BacktestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    strategy: str = Field(examples=["sma_cross"], max_length=64)
    symbol: str = Field(examples=["GOOG"], max_length=32)
    params: dict[str, float | int | bool | str] = Field(
        default_factory=dict, examples=[{"fast": 10, "slow": 30}]
    )
    cash: Decimal = Field(default=Decimal(100_000), gt=0, le=Decimal("1e12"), allow_inf_nan=False)
    commission: Decimal = Field(default=Decimal("0.001"), ge=0, lt=1, allow_inf_nan=False)
    start: date | None = Field(
        default=None, description="first day (UTC) of bars used; default: the file's first"
    )
    end: date | None = Field(
        default=None, description="last day (UTC) of bars used, included; default: the last"
    )


class BacktestOut(BaseModel):
    run_id: str
    strategy: str
    symbol: str
    status: str
    done: int
    total: int
    summary: dict[str, Any] | None
    error: str | None
    progress_topic: str

    @classmethod
    def of(cls, job: Job) -> BacktestOut:
        return cls(
            run_id=job.run_id,
            strategy=job.strategy,
            symbol=job.symbol,
            status=job.status,
            done=job.done,
            total=job.total,
            summary=job.summary,
            error=job.error,
            progress_topic=topics.backtest_progress(job.run_id),
        )


async def jobs_of(request: Request) -> BacktestJobs:
    jobs = state_of(request).backtests
    if jobs is None:
        raise ApiError(503, "backtests cannot be started in this process")
    return jobs


Jobs = Annotated[BacktestJobs, Depends(jobs_of)]


def _period(start: date | None, end: date | None) -> Period:
    """Days (UTC) to a period of market time; the end day is included."""
    for field, day_ in (("start", start), ("end", end)):
        if day_ is not None and not date(1970, 1, 1) <= day_ < date(2262, 1, 1):
            message = "must be between 1970-01-01 and 2262-01-01"
            raise ApiError(422, f"{field}: {message}", fields=[(field, message)])
    if start is not None and end is not None and end < start:
        raise ApiError(422, "end: the last day comes before the first", fields=[("end", "before start")])
    day = timedelta(days=1)
    return Period(
        None if start is None else datetime_to_ns(datetime.combine(start, time(), UTC)),
        None if end is None else datetime_to_ns(datetime.combine(end + day, time(), UTC)),
    )


def start_job(jobs: BacktestJobs, body: BacktestIn) -> Job:
    """Check the request and start the job: a 422 ``ApiError`` naming what is wrong.

    Shared by ``POST /api/v1/backtests`` and the Discord ``/backtest`` command."""
    if body.strategy not in STRATEGIES:
        known = ", ".join(sorted(STRATEGIES))
        raise ApiError(
            422, f"strategy: unknown {body.strategy!r}; one of {known}", fields=[("strategy", known)]
        )
    if "plans" in body.params:  # a file path: the API never reads files it is given
        raise ApiError(
            422,
            "params.plans: a file path cannot be given over the API; use freeride backtest",
            fields=[("params.plans", "not allowed over the API")],
        )
    try:
        period = _period(body.start, body.end)
        return jobs.start(body.strategy, body.symbol, dict(body.params), body.cash, body.commission, period)
    except InvalidInput as exc:
        raise ApiError(422, str(exc), fields=[("body", str(exc))]) from None


@router.post("", status_code=202, dependencies=WRITE)
async def start(body: BacktestIn, jobs: Jobs) -> BacktestOut:
    return BacktestOut.of(start_job(jobs, body))


class ParamOut(BaseModel):
    name: str
    type: str = Field(description="int, float, decimal, bool or one of choices")
    default: float | int | bool | str | None
    choices: list[str] | None = None


class StrategyOut(BaseModel):
    name: str
    params: list[ParamOut]


class BacktestOptions(BaseModel):
    """What the dashboard's form offers: the symbols with data here, each strategy's parameters."""

    symbols: list[str]
    strategies: list[StrategyOut]


HIDDEN_PARAMS = frozenset({"quantity", "plans"})  # an older name of size; a file path (refused here)


def _param(f: msgspec.structs.FieldInfo) -> ParamOut:
    default = None if f.default is msgspec.NODEFAULT else f.default
    kind = f.type
    if isinstance(kind, type) and issubclass(kind, Enum):
        values = [str(m.value) for m in kind]
        return ParamOut(
            name=f.name, type="choice", default=getattr(default, "value", default), choices=values
        )
    names = {int: "int", float: "float", bool: "bool", Decimal: "decimal", str: "str"}
    type_name = names.get(kind, "str") if isinstance(kind, type) else "str"
    if isinstance(default, Decimal):
        default = float(default) if default != default.to_integral_value() else int(default)
    return ParamOut(name=f.name, type=type_name, default=default)


@router.get("/options", dependencies=READ)
async def options(jobs: Jobs) -> BacktestOptions:
    """Symbols backtestable in this process and the parameters each strategy declares."""
    strategies = [
        StrategyOut(
            name=name,
            params=[_param(f) for f in msgspec.structs.fields(params) if f.name not in HIDDEN_PARAMS],
        )
        for name, (_, params) in sorted(STRATEGIES.items())
        if name != "plan_follower"  # follows stored plans: a file or live research, not a form
    ]
    return BacktestOptions(symbols=jobs.symbols, strategies=strategies)


@router.get("", dependencies=READ)
async def list_jobs(jobs: Jobs, paging: Paging) -> Page[BacktestOut]:
    """Backtests started in this process, newest first (stored ones: ``/api/v1/runs``)."""
    return await Page[BacktestOut].converted(list(reversed(jobs.jobs.values())), paging, BacktestOut.of)


@router.get("/{run_id}", dependencies=READ)
async def get_job(jobs: Jobs, run_id: Annotated[str, Path(pattern=RUN_ID_PATTERN)]) -> BacktestOut:
    job = jobs.jobs.get(run_id)
    if job is None:
        raise ApiError(404, f"no backtest {run_id!r} started in this process (stored runs: /api/v1/runs)")
    return BacktestOut.of(job)


REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/html": {"schema": {"type": "string"}}},
        "description": "the self-contained HTML report",
    },
    409: {
        "model": ErrorBody,
        "description": "no report: the backtest has not finished or failed, or its data changed since",
    },
}


@router.get("/{run_id}/report", dependencies=READ, response_model=None, responses=REPORT_RESPONSES)
async def report(request: Request, run_id: Annotated[str, Path(pattern=RUN_ID_PATTERN)]) -> HTMLResponse:
    """A finished backtest's report, one self-contained HTML page (charts inlined): one started
    here or any stored one (``freeride backtest`` runs too), rebuilt from its recorded inputs."""
    state = state_of(request)
    job = state.backtests.jobs.get(run_id) if state.backtests is not None else None
    if job is not None and job.status != "done":
        why = job.error if job.status == "failed" else f"it is {job.status} ({job.done} of {job.total} bars)"
        raise ApiError(409, f"backtest {run_id!r} has no report: {why}")
    if state.reports is None:
        raise ApiError(503, "backtest reports are not available in this process")
    try:
        html = await state.reports.html(run_id)
    except NoSuchRun:
        raise ApiError(404, f"no backtest {run_id!r} is stored (runs: /api/v1/runs)") from None
    except NoReport as exc:
        raise ApiError(409, f"no report: {exc}") from None
    return HTMLResponse(html, headers={"Cache-Control": "private, max-age=3600"})
