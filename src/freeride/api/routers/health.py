"""``/healthz``: liveness only. It touches no dependency and needs no token, so a probe can never
turn a database outage into a restart storm."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
