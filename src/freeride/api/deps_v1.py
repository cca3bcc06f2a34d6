"""Dependencies of the read API: the repositories, the run a request is about, the live views.

A route names what it needs (``Repos``, ``RunId``, ``Live``) and gets it from the state on the
app, or a 503 saying which part is missing from this process, or a 404 naming an unknown run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from freeride.api.deps import require, state_of
from freeride.api.errors import ApiError
from freeride.app.live import LiveViews
from freeride.core.clock import datetime_to_ns
from freeride.core.errors import InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.ports.tokens import Scope
from freeride.storage.repositories import Repositories

READ = [Depends(require(Scope.READ))]
WRITE = [Depends(require(Scope.TRADE))]
ADMIN = [Depends(require(Scope.ADMIN))]

RUN_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,80}$"


def norm_symbol(raw: str, field: str = "symbol") -> str:
    """``eur/usd`` → ``EUR/USD``; a 422 naming ``field`` when it is no symbol at all."""
    try:
        return parse_instrument(raw).symbol
    except InvalidInput as exc:
        raise ApiError(422, f"{field}: {exc}", fields=[(field, str(exc))]) from None


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2262, 1, 1, tzinfo=UTC)  # nanoseconds since 1970 fit a signed 64-bit integer until 2262


def time_ns(value: datetime | None, field: str) -> int | None:
    """A query time as ns since the epoch (naive = UTC); a 422 naming ``field`` outside 1970-2262."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if not EARLIEST <= value < LATEST:
        message = "must be between 1970-01-01 and 2262-01-01"
        raise ApiError(422, f"{field}: {message}", fields=[(field, message)])
    return datetime_to_ns(value)


async def repositories(request: Request) -> Repositories:
    repos = state_of(request).repos
    if repos is None:
        raise ApiError(503, "storage is not available in this process")
    return repos


async def live_views(request: Request) -> LiveViews:
    live = state_of(request).live
    if live is None:
        raise ApiError(503, "no event bus in this process, so no live prices or signals")
    return live


async def run_id(
    request: Request,
    run: Annotated[
        str | None,
        Query(pattern=RUN_ID_PATTERN, description="a run id (freeride runs); default: this process's run"),
    ] = None,
) -> str:
    """The run asked for, else the one this process is doing; 404 for an unknown run."""
    state = state_of(request)
    chosen = run or state.run_id
    if chosen is None:
        raise ApiError(
            404, "this process is not doing a run: name one with ?run=<run id>", fields=[("run", "required")]
        )
    if run is not None and state.repos is not None and await state.repos.runs.get(run) is None:
        raise ApiError(404, f"no run with id {run!r}")
    return chosen


async def known_run(request: Request, run_id: Annotated[str, Path(pattern=RUN_ID_PATTERN)]) -> str:
    repos = await repositories(request)
    if await repos.runs.get(run_id) is None:
        raise ApiError(404, f"no run with id {run_id!r}")
    return run_id


Repos = Annotated[Repositories, Depends(repositories)]
Live = Annotated[LiveViews, Depends(live_views)]
RunId = Annotated[str, Depends(run_id)]
KnownRun = Annotated[str, Depends(known_run)]
