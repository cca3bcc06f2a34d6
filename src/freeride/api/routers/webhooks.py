"""``POST /webhooks/tradingview``: authenticated by the passphrase in the body, not a token.

The body is read in chunks and abandoned past the size limit (a ``Content-Length`` over it is
refused before reading); a sender that goes away mid-body costs one log line. Everything else is
the intake's: see ``alerts.intake``.

The source address checked against the allow-list is the connection's peer as the server reports
it. ``X-Forwarded-For`` is never read here: the server (``app.api.ApiServer``) rewrites the peer
from it only when ``alerts.tradingview.trust_forwarded_for`` is on and the connection comes from
one of ``alerts.tradingview.trusted_proxies``, and then takes the right-most address no trusted
proxy wrote, so a client cannot choose its own address by sending the header itself.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse

from freeride.alerts.intake import Verdict, too_large
from freeride.api.deps import state_of
from freeride.api.errors import ErrorBody, error_body

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/webhooks", tags=["webhooks"])


class WebhookOut(BaseModel):
    status: str
    message: str
    id: str | None


def _doc(text: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": text}


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": WebhookOut, "description": "`accepted` (queued) or `duplicate` (seen within the window)"},
    400: _doc("the body cannot be read: not UTF-8, not JSON, nested too deep, a number too long"),
    401: _doc("no passphrase in the body, or a wrong one"),
    403: _doc("the source address is not on the allow-list"),
    413: _doc("the body is larger than `alerts.tradingview.max_body_bytes`"),
    422: _doc("a named field is unusable (`ticker` empty or unknown, `price` not a number)"),
    503: _doc("the alert queue is full, or no passphrase is configured"),
}


def _reply(verdict: Verdict) -> JSONResponse:
    if verdict.status >= 400:
        fields = [(verdict.field, verdict.message)] if verdict.field else []
        return JSONResponse(error_body(verdict.status, verdict.code, verdict.message, fields), verdict.status)
    return JSONResponse(
        {"status": verdict.code, "message": verdict.message, "id": verdict.id}, verdict.status
    )


@router.post("/tradingview", response_model=None, responses=RESPONSES)
async def tradingview(request: Request) -> JSONResponse:
    """A TradingView alert: JSON or `key=value` text, the passphrase in the body."""
    state = state_of(request)
    intake = state.intake
    if intake is None:
        return JSONResponse(error_body(503, "unavailable", "the webhook intake is not running"), 503)
    limit = intake.config.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return _reply(too_large(limit))
    client = request.client.host if request.client else None
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                return _reply(too_large(limit))
    except ClientDisconnect:
        log.info("webhook.disconnected", client=client, received=len(body))
        return JSONResponse(error_body(400, "disconnected", "the body ended early"), 400)
    content_type = request.headers.get("content-type", "text/plain")
    return _reply(intake.submit(bytes(body), content_type, client))
