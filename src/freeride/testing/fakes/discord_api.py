"""A fake of Discord's REST API for the bot (base ``/api/v10``), in Discord's wire format.

Beside the webhook fake (``fakes.discord``), this one answers what an HTTP-interactions bot calls:

* ``PATCH /webhooks/{application_id}/{token}/messages/@original`` and ``POST /webhooks/{application_id}/
  {token}``: 200 with a message object; JSON or ``multipart/form-data`` (``payload_json`` plus
  ``files[n]`` parts, each named in ``attachments``). 404 code 10015 "Unknown Webhook" for another
  application id, 400 code 50035 with Discord's nested ``errors`` for a body over a limit.
* ``GET /applications/@me`` (Bot auth): the application object with its ``verify_key``.
* ``PUT /applications/{application_id}[/guilds/{guild_id}]/commands`` (``Authorization: Bot …``):
  200 with the commands echoed, each with ``id``, ``application_id`` and ``version`` added.
* ``POST /channels/{channel_id}/messages`` (Bot auth): 200 with the message; 404 code 10003
  "Unknown Channel" for a channel not in ``channels``; 401 code 0 for a wrong token.

Rate limits as Discord sends them: every reply carries ``X-RateLimit-Limit``, ``-Remaining``,
``-Reset``, ``-Reset-After`` and ``-Bucket``; a route's bucket (``bucket_size`` per
``bucket_window_s`` per channel or interaction token) that is empty answers 429 with
``retry_after``, ``Retry-After``, ``X-RateLimit-Scope: user`` and ``Via: 1.1 google``; more than
``global_per_s`` requests in a second answer 429 with ``X-RateLimit-Global: true`` and scope
``global``. Time is the injected clock.
"""

from __future__ import annotations

import email.parser
import email.policy
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
from freeride.testing.fakes.base import FakeVendor, json_response
from freeride.testing.fakes.discord import form_errors

BASE = "/api/v10"


@dataclass
class Sent:
    """One message the fake accepted: where it went, its JSON body, its files by name."""

    route: str
    target: str
    body: Any
    files: dict[str, bytes] = field(default_factory=dict)
    at_ns: int = 0


@dataclass
class _Bucket:
    start_ns: int
    used: int = 0


def _form_error(errors: dict[str, Any]) -> Response:
    return json_response({"code": 50035, "message": "Invalid Form Body", "errors": errors}, 400)


def _multipart(content_type: str, raw: bytes) -> tuple[Any, dict[str, bytes]]:
    """``payload_json`` and the files of a ``multipart/form-data`` body."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    payload: Any = None
    files: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        raw_data = part.get_payload(decode=True)
        data = raw_data if isinstance(raw_data, bytes) else b""
        if name == "payload_json":
            payload = json.loads(data)
        elif isinstance(name, str):
            files[str(part.get_filename() or name)] = data
    return payload, files


class FakeDiscordApi(FakeVendor):
    def __init__(
        self,
        application_id: str = "1000",
        bot_token: str = "bot-token",
        *,
        channels: set[str] | None = None,
        bucket_size: int = 5,
        bucket_window_s: float = 5.0,
        global_per_s: int = 50,
        verify_key: str = "",
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self.application_id = application_id
        self.verify_key = verify_key
        self.bot_token = bot_token
        self.channels = set(channels or {"645027906669510667"})
        self.bucket_size = bucket_size
        self.bucket_window_ns = int(bucket_window_s * NS_PER_SECOND)
        self.global_per_s = global_per_s
        self.sent: list[Sent] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.rate_limited = 0
        self.global_limited = 0
        self._buckets: dict[str, _Bucket] = {}
        self._second: tuple[int, int] = (0, 0)  # (second, requests in it)
        self._ids = itertools.count(1)
        hook = BASE + "/webhooks/{app}/{token}"
        self.app = Starlette(
            routes=[
                Route(hook + "/messages/@original", self._webhook, methods=["PATCH"]),
                Route(hook, self._webhook, methods=["POST"]),
                Route(BASE + "/applications/@me", self._application, methods=["GET"]),
                Route(BASE + "/applications/{app}/commands", self._commands, methods=["PUT"]),
                Route(BASE + "/applications/{app}/guilds/{guild}/commands", self._commands, methods=["PUT"]),
                Route(BASE + "/channels/{channel}/messages", self._channel, methods=["POST"]),
            ]
        )

    def url(self, base: str = "http://discord.test") -> str:
        return base + BASE

    def to(self, route: str) -> list[Sent]:
        return [s for s in self.sent if s.route == route]

    # -- rate limits -----------------------------------------------------------------------------
    def _headers(self, name: str, bucket: _Bucket, now: int) -> dict[str, str]:
        reset_after = max(0.0, (bucket.start_ns + self.bucket_window_ns - now) / NS_PER_SECOND)
        return {
            "X-RateLimit-Limit": str(self.bucket_size),
            "X-RateLimit-Remaining": str(max(0, self.bucket_size - bucket.used)),
            "X-RateLimit-Reset": f"{now / NS_PER_SECOND + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": f"fake-{name}",
        }

    def _take(self, name: str, major: str) -> tuple[Response | None, dict[str, str]]:
        """Count the request against the global limit and its bucket; a 429 when either is spent."""
        now = self.clock.now_ns()
        second = now // NS_PER_SECOND
        count = self._second[1] + 1 if self._second[0] == second else 1
        self._second = (second, count)
        bucket = self._buckets.setdefault(f"{name}:{major}", _Bucket(start_ns=now))
        if now - bucket.start_ns >= self.bucket_window_ns:
            bucket.start_ns, bucket.used = now, 0
        headers = self._headers(name, bucket, now)
        if count > self.global_per_s:
            self.rate_limited += 1
            self.global_limited += 1
            wait_s = ((second + 1) * NS_PER_SECOND - now) / NS_PER_SECOND
            body = {"message": "You are being rate limited.", "retry_after": wait_s, "global": True}
            extra = {"Retry-After": str(math.ceil(wait_s)), "X-RateLimit-Global": "true"}
            extra.update({"X-RateLimit-Scope": "global", "Via": "1.1 google"})
            return json_response(body, 429, extra), headers
        if bucket.used >= self.bucket_size:
            self.rate_limited += 1
            retry = float(headers["X-RateLimit-Reset-After"])
            headers.update(
                {"Retry-After": str(math.ceil(retry)), "X-RateLimit-Scope": "user", "Via": "1.1 google"}
            )
            body = {"message": "You are being rate limited.", "retry_after": retry, "global": False}
            return json_response(body, 429, headers), headers
        bucket.used += 1
        return None, self._headers(name, bucket, now)

    # -- routes ----------------------------------------------------------------------------------
    async def _read(self, request: Request) -> tuple[Any, dict[str, bytes]] | Response:
        raw = await request.body()
        content_type = request.headers.get("content-type", "")
        try:
            if content_type.startswith("multipart/form-data"):
                return _multipart(content_type, raw)
            return json.loads(raw), {}
        except ValueError:
            return json_response({"code": 50109, "message": "The request body contains invalid JSON."}, 400)

    def _message(self, target: str, body: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        attachments = [
            {
                "id": str(10**17 + next(self._ids)),
                "filename": name,
                "size": len(data),
                "url": f"https://cdn.test/{name}",
            }
            for name, data in files.items()
        ]
        return {
            "id": str(10**17 + next(self._ids)),
            "type": 0,
            "channel_id": target,
            "content": body.get("content", ""),
            "embeds": body.get("embeds", []),
            "components": body.get("components", []),
            "attachments": attachments,
            "author": {"id": self.application_id, "username": "freeride", "bot": True},
        }

    async def _webhook(self, request: Request) -> Response:
        await self.begin("webhook")
        app, token = request.path_params["app"], request.path_params["token"]
        if app != self.application_id:
            return json_response({"message": "Unknown Webhook", "code": 10015}, 404)
        route = "original" if request.method == "PATCH" else "followup"
        return await self._accept(request, "webhook", route, token, edit=request.method == "PATCH")

    async def _accept(
        self, request: Request, bucket: str, route: str, target: str, *, edit: bool = False
    ) -> Response:
        """Take the bucket, read the body (JSON or multipart), check its limits, keep it, answer."""
        limited, headers = self._take(bucket, target)
        if limited is not None:
            return limited
        read = await self._read(request)
        if isinstance(read, Response):
            return read
        body, files = read
        errors = form_errors(body) if not files else {}
        if errors and (not edit or "content" in body or "embeds" in body):  # an edit may change nothing else
            return _form_error(errors)
        self.sent.append(Sent(route=route, target=target, body=body, files=files, at_ns=self.clock.now_ns()))
        return json_response(self._message(target, body, files), 200, headers)

    def _authorised(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bot {self.bot_token}":
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        return None

    async def _application(self, request: Request) -> Response:
        """Get Current Application: the bot's application object (a trimmed one)."""
        await self.begin("application")
        refused = self._authorised(request)
        if refused is not None:
            return refused
        app = {
            "id": self.application_id,
            "name": "freeride",
            "verify_key": self.verify_key,
            "bot_public": False,
        }
        return json_response(app, 200)

    async def _commands(self, request: Request) -> Response:
        await self.begin("commands")
        refused = self._authorised(request)
        if refused is not None:
            return refused
        if request.path_params["app"] != self.application_id:
            return json_response({"message": "Unknown Application", "code": 10002}, 404)
        body = json.loads(await request.body())
        guild = request.path_params.get("guild", "global")
        if not isinstance(body, list):
            return _form_error(
                {"_errors": [{"code": "LIST_TYPE_CONVERT", "message": "Only iterables may be used"}]}
            )
        echoed = [
            {**c, "id": str(10**17 + next(self._ids)), "application_id": self.application_id, "version": "1"}
            for c in body
        ]
        self.commands[guild] = echoed
        return json_response(echoed, 200)

    async def _channel(self, request: Request) -> Response:
        await self.begin("channel")
        refused = self._authorised(request)
        if refused is not None:
            return refused
        channel = request.path_params["channel"]
        if channel not in self.channels:
            return json_response({"message": "Unknown Channel", "code": 10003}, 404)
        return await self._accept(request, "channel", "channel", channel)
