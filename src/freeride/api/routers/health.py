"""``/healthz`` (liveness), ``/readyz`` (readiness) and ``/metrics`` (Prometheus).

``/healthz`` touches no dependency and needs no token, so a probe can never turn a database outage
into a restart storm. ``/readyz`` checks each dependency and answers 503 with the per-check
breakdown when any is down. Both ``/readyz`` and ``/metrics`` need a ``read`` token like the rest
of the API (Prometheus sends one with ``authorization: {credentials: …}``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from freeride.api.deps import require, state_of
from freeride.api.errors import ERROR_RESPONSES
from freeride.app.readiness import Check, check_providers, readiness
from freeride.ops.metrics import CONTENT_TYPE, Metrics
from freeride.ports.tokens import Scope

router = APIRouter(tags=["health"])


class CheckOut(BaseModel):
    name: str
    ok: bool
    detail: str


class ReadyOut(BaseModel):
    status: str
    checks: list[CheckOut]


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    dependencies=[Depends(require(Scope.READ))],
    responses={**ERROR_RESPONSES, 503: {"model": ReadyOut, "description": "a dependency is down"}},
)
async def readyz(request: Request, response: Response) -> ReadyOut:
    state = state_of(request)
    gateway = state.gateway

    async def providers() -> Check:
        return check_providers(gateway.status() if gateway is not None else [], state.feed)

    checks = await readiness(
        state.db, state.bus, state.accounts, providers, state.broker, state.dead_sessions
    )
    ok = all(c.ok for c in checks)
    if not ok:
        response.status_code = 503
    return ReadyOut(
        status="ready" if ok else "unready",
        checks=[CheckOut(name=c.name, ok=c.ok, detail=c.detail) for c in checks],
    )


@router.get(
    "/metrics",
    dependencies=[Depends(require(Scope.READ))],
    response_class=Response,
    responses={
        **ERROR_RESPONSES,
        200: {"content": {"text/plain": {}}, "description": "Prometheus text format"},
    },
)
async def metrics(request: Request) -> Response:
    registry: Metrics = request.app.state.metrics
    return Response(await registry.render_off_loop(), media_type=CONTENT_TYPE)
