"""``/api/v1/alerts``: create, list, read, replace and remove alert rules; read their firings.

Reading needs the ``read`` scope, changing needs ``trade``. Handlers call ``AlertService``, the
same methods the CLI uses; no SQL here.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from freeride.alerts.service import AlertService
from freeride.api.deps import alert_service, require
from freeride.api.errors import ERROR_RESPONSES, ApiError
from freeride.api.schemas import AlertIn, AlertList, AlertOut, FiringOut
from freeride.core.alerts import AlertFired
from freeride.core.clock import ns_to_datetime
from freeride.ports.tokens import Scope

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"], responses=ERROR_RESPONSES)
Service = Annotated[AlertService, Depends(alert_service)]
READ = [Depends(require(Scope.READ))]
WRITE = [Depends(require(Scope.TRADE))]


@router.get("", dependencies=READ)
async def list_alerts(
    service: Service,
    user: Annotated[str | None, Query(max_length=64)] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    active: bool | None = None,
) -> AlertList:
    items = [AlertOut.of(s) for s in await service.find(user=user, tag=tag, active=active)]
    return AlertList(items=items, count=len(items))


@router.post("", status_code=201, dependencies=WRITE)
async def create_alert(body: AlertIn, service: Service) -> AlertOut:
    return AlertOut.of(await service.create(body.to_rule()))


@router.get("/firings", dependencies=READ)
async def all_firings(service: Service, limit: Annotated[int, Query(ge=1, le=1_000)] = 50) -> list[FiringOut]:
    """The latest firings of every alert, newest first (the dashboard's "Fired" list on load)."""
    return [_firing(f) for f in await service.history(None, limit)]


@router.get("/{alert_id}", dependencies=READ)
async def get_alert(alert_id: str, service: Service) -> AlertOut:
    stored = await service.get(alert_id)
    if stored is None:
        raise ApiError(404, f"no alert with id {alert_id!r}")
    return AlertOut.of(stored)


@router.put("/{alert_id}", dependencies=WRITE)
async def replace_alert(alert_id: str, body: AlertIn, service: Service) -> AlertOut:
    stored = await service.replace(body.to_rule(alert_id))
    if stored is None:
        raise ApiError(404, f"no alert with id {alert_id!r}")
    return AlertOut.of(stored)


@router.delete("/{alert_id}", status_code=204, dependencies=WRITE)
async def delete_alert(alert_id: str, service: Service) -> Response:
    if not await service.remove(alert_id):
        raise ApiError(404, f"no alert with id {alert_id!r}")
    return Response(status_code=204)


def _firing(f: AlertFired) -> FiringOut:
    return FiringOut(
        alert_id=f.alert_id,
        symbol=f.symbol,
        price=None if math.isnan(f.price) else f.price,
        description=f.description,
        message=f.message,
        latency_ms=f.latency_ns / 1e6,
        fired_at=ns_to_datetime(f.ts_init),
        ts_event=f.ts_event,
    )


@router.get("/{alert_id}/firings", dependencies=READ)
async def firings(
    alert_id: str, service: Service, limit: Annotated[int, Query(ge=1, le=1_000)] = 100
) -> list[FiringOut]:
    return [_firing(f) for f in await service.history(alert_id, limit)]
