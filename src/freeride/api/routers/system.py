"""``/api/v1``: system events with filters, runs (embedded runs and backtests), settings (masked).

Settings are shown as the process runs with them, secrets replaced by ``**********`` and every
string passed through ``config.urls.mask_setting`` (URL passwords, query values, fragments and
token-like path segments masked), whatever field holds it, so a setting added later cannot show
a credential by being forgotten here. Reading them needs the ``admin`` scope since even masked,
the shape of a deployment is worth something to an attacker.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from freeride.api.deps import state_of
from freeride.api.deps_v1 import ADMIN, READ, RUN_ID_PATTERN, KnownRun, Repos, time_ns
from freeride.api.errors import ERROR_RESPONSES, ApiError
from freeride.api.pages import Page, Paging
from freeride.api.views import RunOut, SystemEventOut
from freeride.config.urls import mask_setting
from freeride.core.slices import convert_in_slices
from freeride.core.system import Level
from freeride.ports.journal import JournalQuery

router = APIRouter(prefix="/api/v1", tags=["system"], responses=ERROR_RESPONSES)
SCAN_LIMIT = 10_000
MAX_VALUES = 50  # of a repeatable filter


@router.get("/events", dependencies=READ)
async def events(
    repos: Repos,
    paging: Paging,
    run: Annotated[str | None, Query(pattern=RUN_ID_PATTERN, description="only this run")] = None,
    level: Level | None = None,
    min_level: Level | None = None,
    source: Annotated[
        str | None, Query(max_length=64, description="the component (same as component)")
    ] = None,
    component: Annotated[
        list[str] | None, Query(max_length=64, description="any of these components")
    ] = None,
    kind: Annotated[list[str] | None, Query(max_length=64, description="any of these kinds")] = None,
    symbol: Annotated[str | None, Query(max_length=32, description="only this instrument")] = None,
    correlation_id: Annotated[str | None, Query(max_length=64, description="only this chain")] = None,
    after_id: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="only entries newer than this id")
    ] = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Page[SystemEventOut]:
    """The journal, newest first: system events and domain facts, filtered by run, level (or
    worse), component, kind, instrument, chain and time; ``after_id`` reads only what is new."""
    if paging.offset + paging.limit > SCAN_LIMIT:
        raise ApiError(422, f"offset + limit must be <= {SCAN_LIMIT}", fields=[("offset", "too far")])
    for name, values in (("kind", kind), ("component", component)):
        if values is not None and len(values) > MAX_VALUES:
            raise ApiError(422, f"at most {MAX_VALUES} {name} values", fields=[(name, "too many")])
    components = tuple(component or ()) + ((source,) if source else ())
    query = JournalQuery(
        run_id=run,
        level=level,
        min_level=min_level,
        components=components,
        kinds=tuple(kind or ()),
        symbol=symbol,
        correlation_id=correlation_id,
        after_id=after_id,
        start_ns=time_ns(start, "start"),
        end_ns=time_ns(end, "end"),
        limit=paging.limit,
        offset=paging.offset,
        newest_first=True,
    )
    rows = await repos.journal.query(query)
    total = await repos.journal.count(query)
    return Page[SystemEventOut](
        items=await convert_in_slices(rows, SystemEventOut.of_record),
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/runs", dependencies=READ)
async def runs(
    repos: Repos,
    paging: Paging,
    kind: Annotated[
        str | None, Query(max_length=64, description="run name, e.g. embedded or backtest")
    ] = None,
) -> Page[RunOut]:
    """Stored runs (the embedded job and backtests), newest first."""
    rows = [r for r in await repos.runs.list_runs() if kind is None or r.name == kind]
    return await Page[RunOut].converted(rows, paging, RunOut.of)


@router.get("/runs/{run_id}", dependencies=READ)
async def get_run(repos: Repos, run_id: KnownRun) -> RunOut:
    """One run with its summary (a backtest's report figures are in ``summary``)."""
    found = await repos.runs.get(run_id)
    assert found is not None  # KnownRun checked it
    return RunOut.of(found)


@router.get("/settings", dependencies=ADMIN)
async def settings(request: Request) -> dict[str, Any]:
    full = state_of(request).full_settings
    if full is None:
        raise ApiError(503, "settings are not available in this process")
    shown: dict[str, Any] = _masked(full.model_dump(mode="json"))
    return shown


def _masked(value: Any) -> Any:
    """Every string in ``value`` (keys too: a channel map's keys are names, but who knows) masked."""
    if isinstance(value, str):
        return mask_setting(value)
    if isinstance(value, dict):
        return {mask_setting(str(k)): _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value
