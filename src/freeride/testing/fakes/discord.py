"""A fake Discord webhook endpoint speaking Discord's real replies, faults and limits included.

``POST /api/webhooks/{id}/{token}[?wait=true]``: 204, or 200 with a message object when
``wait=true``; 400 code 50035 "Invalid Form Body" with Discord's nested ``errors`` when a body
breaks a limit (content over 2,000, more than 10 embeds, embed fields over their limits, over
6,000 embed characters); 401 code 50027 for a wrong token; 404 code 10015 "Unknown Webhook" for
a deleted webhook; 429 with ``retry_after`` (float seconds), ``Retry-After``, ``Via: 1.1 google``
and the ``X-RateLimit-*`` headers when the per-webhook bucket (5 per 2 s) is empty. Rate-limit
headers are on every reply. Scripted faults: ``rate_limited``, ``cloudflare`` (429 without
``Via``), ``down`` (502 page), ``bad`` (400 Invalid Form Body). Time is the injected clock, so a
test moves the bucket by hand.

``GET /api/webhooks/{id}/{token}`` ("Get Webhook with Token") posts nothing and answers the
webhook object without ``user``: ``id``, ``type`` 1, ``guild_id``, ``channel_id``, ``name``,
``avatar``, ``application_id``, ``token``, ``url``; 404 code 10015 once deleted, 401 code 50027 for
a wrong token. It honours the scripted faults but not the execute bucket (counted as ``fetch``).
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.testing.fakes.base import FakeVendor, html, json_response

CONTENT = 2_000
EMBEDS = 10
EMBED_TOTAL = 6_000
_EMBED_LIMITS = {"title": 256, "description": 4_096}


@dataclass
class Received:
    webhook_id: str
    body: dict[str, Any]
    wait: bool
    at_ns: int


@dataclass
class _Bucket:
    start_ns: int = 0
    used: int = 0
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


def _form_error(errors: dict[str, Any]) -> Response:
    return json_response({"code": 50035, "message": "Invalid Form Body", "errors": errors}, 400)


def _max_length(limit: int) -> dict[str, Any]:
    return {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": f"Must be {limit} or fewer in length."}]}


def embed_chars(embed: dict[str, Any]) -> int:
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += sum(len(f.get("name", "")) + len(f.get("value", "")) for f in embed.get("fields", ()))
    return size + len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))


def form_errors(body: dict[str, Any]) -> dict[str, Any]:
    """Discord's ``errors`` object for a body that breaks a limit; empty when it is fine."""
    errors: dict[str, Any] = {}
    content = body.get("content")
    embeds = body.get("embeds") or []
    if not content and not embeds:
        return {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "Cannot send an empty message"}]}
    if content is not None and len(content) > CONTENT:
        errors["content"] = _max_length(CONTENT)
    if len(embeds) > EMBEDS:
        errors["embeds"] = _max_length(EMBEDS)
        return errors
    for i, embed in enumerate(embeds):
        for key, limit in _EMBED_LIMITS.items():
            if len(embed.get(key, "")) > limit:
                errors.setdefault("embeds", {}).setdefault(str(i), {})[key] = _max_length(limit)
        if len(embed.get("fields", ())) > 25:
            errors.setdefault("embeds", {}).setdefault(str(i), {})["fields"] = _max_length(25)
    if sum(embed_chars(e) for e in embeds) > EMBED_TOTAL:
        errors.setdefault("embeds", {})["_errors"] = [
            {"code": "MAX_EMBED_SIZE_EXCEEDED", "message": "Embed size exceeds maximum size of 6000"}
        ]
    return errors


class FakeDiscord(FakeVendor):
    def __init__(
        self,
        webhooks: dict[str, str] | None = None,
        *,
        bucket_size: int = 5,
        bucket_window_s: float = 2.0,
        latency_s: float = 0.0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(latency_s=latency_s, clock=clock)
        self.webhooks = dict(webhooks or {"123": "tok"})
        self.deleted: set[str] = set()
        self.bucket_size = bucket_size
        self.bucket_window_ns = int(bucket_window_s * NS_PER_SECOND)
        self.received: list[Received] = []
        self.replies: list[int] = []
        self._buckets: dict[str, _Bucket] = {}
        self.names: dict[str, str] = {}  # webhook id → name shown in Discord (default "Captain Hook")
        self.app = Starlette(
            routes=[
                Route("/api/webhooks/{wid}/{token}", self._execute, methods=["POST"]),
                Route("/api/webhooks/{wid}/{token}", self._fetch, methods=["GET"]),
            ]
        )

    def url(self, webhook_id: str = "123", base: str = "http://discord.test") -> str:
        return f"{base}/api/webhooks/{webhook_id}/{self.webhooks[webhook_id]}"

    def delete(self, webhook_id: str = "123") -> None:
        self.deleted.add(webhook_id)

    def _headers(self, wid: str, bucket: _Bucket, now: int) -> dict[str, str]:
        reset_after = max(0.0, (bucket.start_ns + self.bucket_window_ns - now) / NS_PER_SECOND)
        return {
            "X-RateLimit-Limit": str(self.bucket_size),
            "X-RateLimit-Remaining": str(max(0, self.bucket_size - bucket.used)),
            "X-RateLimit-Reset": f"{(now / NS_PER_SECOND) + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": f"webhook-{wid}",
        }

    def _limited(self, wid: str, bucket: _Bucket, now: int, *, via: bool = True) -> Response:
        headers = self._headers(wid, bucket, now)
        retry = max(0.001, float(headers["X-RateLimit-Reset-After"]))
        headers.update({"Retry-After": str(math.ceil(retry)), "X-RateLimit-Scope": "user"})
        if via:
            headers["Via"] = "1.1 google"
        body = {"message": "You are being rate limited.", "retry_after": retry, "global": False}
        return json_response(body, 429, headers)

    async def _fetch(self, request: Request) -> Response:
        fault = await self.begin("fetch")
        wid, token = request.path_params["wid"], request.path_params["token"]
        if wid not in self.webhooks or wid in self.deleted:
            return json_response({"message": "Unknown Webhook", "code": 10015}, 404)
        if token != self.webhooks[wid]:
            return json_response({"message": "Invalid Webhook Token", "code": 50027}, 401)
        if fault == "down":
            return html(502)
        now = self.clock.now_ns()
        bucket = _Bucket(start_ns=now)
        if fault in ("rate_limited", "cloudflare"):
            return self._limited(wid, bucket, now, via=fault == "rate_limited")
        webhook = {
            "application_id": None,
            "avatar": None,
            "channel_id": "999",
            "guild_id": "888",
            "id": wid,
            "name": self.names.get(wid, "Captain Hook"),
            "type": 1,
            "token": token,
            "url": str(request.url),
        }
        return json_response(webhook, 200, self._headers(wid, bucket, now))

    async def _execute(self, request: Request) -> Response:
        response = await self._reply(request)
        self.replies.append(response.status_code)
        return response

    async def _reply(self, request: Request) -> Response:
        fault = await self.begin("execute")
        wid, token = request.path_params["wid"], request.path_params["token"]
        if wid not in self.webhooks or wid in self.deleted:
            return json_response({"message": "Unknown Webhook", "code": 10015}, 404)
        if token != self.webhooks[wid]:
            return json_response({"message": "Invalid Webhook Token", "code": 50027}, 401)
        now = self.clock.now_ns()
        bucket = self._buckets.setdefault(wid, _Bucket(start_ns=now))
        if now - bucket.start_ns >= self.bucket_window_ns:
            bucket.start_ns, bucket.used = now, 0
        if fault == "down":
            return html(502)
        if fault == "cloudflare":
            return self._limited(wid, bucket, now, via=False)
        if fault == "rate_limited" or bucket.used >= self.bucket_size:
            return self._limited(wid, bucket, now)
        if fault == "bad":  # a body Discord refuses for good, whatever is in it
            return _form_error({"embeds": {"0": {"description": _max_length(4096)}}})
        try:
            body = json.loads(await request.body())
        except ValueError:
            return json_response({"code": 50109, "message": "The request body contains invalid JSON."}, 400)
        errors = form_errors(body)
        if errors:
            return _form_error(errors)
        bucket.used += 1
        wait = request.query_params.get("wait") == "true"
        self.received.append(Received(webhook_id=wid, body=body, wait=wait, at_ns=now))
        headers = self._headers(wid, bucket, now)
        if not wait:
            return Response(status_code=204, headers=headers)
        message = {
            "id": str(10**17 + next(bucket.ids)),
            "type": 0,
            "channel_id": "999",
            "webhook_id": wid,
            "content": body.get("content", ""),
            "embeds": body.get("embeds", []),
            "author": {"id": wid, "username": body.get("username", "Captain Hook"), "bot": True},
        }
        return json_response(message, 200, headers)
