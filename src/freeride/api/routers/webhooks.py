"""``POST /webhooks/tradingview``: authenticated by the passphrase in the body, not a token.

The body is read in chunks and abandoned past the size limit (a ``Content-Length`` over it is
refused before reading). Everything else is the intake's: see ``alerts.intake``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from freeride.alerts.intake import Verdict, too_large
from freeride.api.deps import state_of
from freeride.api.errors import error_body

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


def _client_ip(request: Request, trust_forwarded: bool) -> str | None:
    if trust_forwarded:
        forwarded = request.headers.get("x-forwarded-for", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return request.client.host if request.client else None


def _reply(verdict: Verdict) -> JSONResponse:
    if verdict.status >= 400:
        fields = [(verdict.field, verdict.message)] if verdict.field else []
        return JSONResponse(error_body(verdict.status, verdict.code, verdict.message, fields), verdict.status)
    return JSONResponse(
        {"status": verdict.code, "message": verdict.message, "id": verdict.id}, verdict.status
    )


@router.post("/tradingview", response_model=None)
async def tradingview(request: Request) -> JSONResponse:
    state = state_of(request)
    intake = state.intake
    if intake is None:
        return JSONResponse(error_body(503, "unavailable", "the webhook intake is not running"), 503)
    limit = intake.config.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return _reply(too_large(limit))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return _reply(too_large(limit))
    content_type = request.headers.get("content-type", "text/plain")
    return _reply(intake.submit(bytes(body), content_type, _client_ip(request, state.trust_forwarded_for)))
