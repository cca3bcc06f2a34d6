"""A fake receiver of freeride's outbound webhooks: checks each signature, records each batch.

Any ``POST`` path. A request whose ``X-Freeride-Signature`` does not verify with ``secret`` (or is
older than five minutes on the injected clock) gets 401. Scripted faults: ``down`` (503),
``rate_limited`` (429 with ``Retry-After``), ``gone`` (410), ``bad`` (400).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from freeride.adapters.webhook.signing import SIGNATURE_HEADER, verify
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.testing.fakes.base import FakeVendor, json_response


@dataclass
class Delivery:
    path: str
    body: dict[str, Any]
    signature: str
    at_ns: int


class FakeWebhookReceiver(FakeVendor):
    def __init__(self, secret: str = "whsec", *, clock: Clock | None = None, latency_s: float = 0.0) -> None:
        super().__init__(latency_s=latency_s, clock=clock)
        self.secret = secret
        self.deliveries: list[Delivery] = []
        self.rejected = 0
        self.app = Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST"])])

    @property
    def notifications(self) -> list[dict[str, Any]]:
        return [n for d in self.deliveries for n in d.body["notifications"]]

    async def _receive(self, request: Request) -> Response:
        fault = await self.begin("receive")
        body = await request.body()
        signature = request.headers.get(SIGNATURE_HEADER.lower(), "")
        now = self.clock.now_ns()
        if not verify(self.secret, signature, body, now // NS_PER_SECOND):
            self.rejected += 1
            return json_response({"error": "bad signature"}, 401)
        if fault == "down":
            return Response("service unavailable", 503)
        if fault == "rate_limited":
            return json_response({"error": "slow down"}, 429, {"Retry-After": "7"})
        if fault == "gone":
            return json_response({"error": "this hook was removed"}, 410)
        if fault == "bad":
            return json_response({"error": "unsupported payload"}, 400)
        self.deliveries.append(
            Delivery(path=request.url.path, body=json.loads(body), signature=signature, at_ns=now)
        )
        return Response(status_code=204)
