"""Discord's REST API for the bot: interaction follow-ups, command registration, channel messages.

Implements ``ports.discord.DiscordRest``. Interaction webhooks (``/webhooks/{application_id}/
{token}…``) need no credentials (the interaction token is one); command registration and channel
messages send ``Authorization: Bot <token>``. Files go as ``multipart/form-data``: a
``payload_json`` part with the body (its ``attachments`` naming each file) and ``files[n]`` parts.

Rate limits (``adapters.discord.buckets``) are honoured before each request; a 429 is waited out
(``retry_after`` of the body, else ``Retry-After``) and retried up to ``max_retries`` times, then
raised as ``RateLimited``. A 429 without ``Via`` came from Cloudflare, not Discord (an IP ban after
too many invalid requests): raised at once with a long pause, never retried soon.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from freeride.adapters.discord.buckets import RateLimits
from freeride.adapters.discord.client import BAN_PAUSE_S, form_errors
from freeride.core.clock import Clock
from freeride.core.errors import AuthError, InvalidInput, RateLimited, TemporaryError
from freeride.core.notify import ChannelGone
from freeride.net.http import make_client, retry_after, transport_error
from freeride.ports.discord import Attachment


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return {}


class DiscordRestClient:
    def __init__(
        self,
        base_url: str,
        application_id: str,
        clock: Clock,
        *,
        bot_token: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 10.0,
        max_retries: int = 3,
        global_per_s: int = 50,
    ) -> None:
        self.application_id = application_id
        self._bot_token = bot_token
        self._http = make_client(base_url.rstrip("/"), transport=transport, timeout_s=timeout_s)
        self._clock = clock
        self.limits = RateLimits(clock, global_per_s=global_per_s)
        self._max_retries = max_retries
        self.rate_limited = 0  # 429s received
        self.requests = 0

    # -- the port -----------------------------------------------------------------------------
    async def edit_original(
        self, token: str, body: dict[str, Any], files: Sequence[Attachment] = ()
    ) -> dict[str, Any]:
        path = f"/webhooks/{self.application_id}/{token}/messages/@original"
        found: dict[str, Any] = await self._send("PATCH", path, "webhook-original", token, body, files)
        return found

    async def followup(
        self, token: str, body: dict[str, Any], files: Sequence[Attachment] = ()
    ) -> dict[str, Any]:
        path = f"/webhooks/{self.application_id}/{token}"
        found: dict[str, Any] = await self._send("POST", path, "webhook-followup", token, body, files)
        return found

    async def put_commands(self, commands: list[dict[str, Any]], guild_id: str | None = None) -> list[Any]:
        base = f"/applications/{self.application_id}"
        path = f"{base}/guilds/{guild_id}/commands" if guild_id else f"{base}/commands"
        found = await self._send("PUT", path, "commands", guild_id or "global", commands, (), bot=True)
        return list(found) if isinstance(found, list) else []

    async def create_message(
        self, channel_id: str, body: dict[str, Any], files: Sequence[Attachment] = ()
    ) -> dict[str, Any]:
        path = f"/channels/{channel_id}/messages"
        found: dict[str, Any] = await self._send(
            "POST", path, "channel-messages", channel_id, body, files, bot=True
        )
        return found

    async def current_application(self) -> dict[str, Any]:
        """``GET /applications/@me`` with the bot token: the application (``id``, ``name``,
        ``verify_key``: its public key). Posts nothing; ``freeride doctor --online`` uses it."""
        found = await self._send("GET", "/applications/@me", "application", "me", None, (), bot=True)
        return found if isinstance(found, dict) else {}

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- one request ---------------------------------------------------------------------------
    async def _send(
        self,
        method: str,
        path: str,
        route: str,
        major: str,
        body: Any,
        files: Sequence[Attachment],
        *,
        bot: bool = False,
    ) -> Any:
        headers = {}
        if bot:
            if not self._bot_token:
                raise AuthError(
                    "discord: no bot token: set discord.bot_token or the secret discord_bot_token"
                )
            headers["Authorization"] = f"Bot {self._bot_token}"
        route = f"{method} {route}"
        for attempt in range(self._max_retries + 1):
            async with self.limits.slot(route, major):
                response = await self._request(method, path, headers, body, files)
                self.requests += 1
                self.limits.learn(route, major, response)
                if response.status_code != 429:
                    return _result(response)
                self.rate_limited += 1
                wait, is_global = _limited(response)
                self.limits.limited(route, major, wait, is_global=is_global)
                if "via" not in response.headers:
                    raise RateLimited(
                        "discord: HTTP 429 without Via: blocked by Cloudflare", max(wait, BAN_PAUSE_S)
                    )
                if attempt == self._max_retries:
                    scope = response.headers.get("x-ratelimit-scope", "user")
                    raise RateLimited(f"discord: rate limited ({scope}) on {route}", wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _request(
        self, method: str, path: str, headers: dict[str, str], body: Any, files: Sequence[Attachment]
    ) -> httpx.Response:
        try:
            if not files:
                content = None if body is None else json.dumps(body).encode()
                if content is not None:
                    headers = {**headers, "Content-Type": "application/json"}
                return await self._http.request(method, path, headers=headers, content=content)
            payload = dict(body)
            payload["attachments"] = [{"id": i, "filename": f.filename} for i, f in enumerate(files)]
            parts = {f"files[{i}]": (f.filename, f.content, f.content_type) for i, f in enumerate(files)}
            return await self._http.request(
                method, path, headers=headers, data={"payload_json": json.dumps(payload)}, files=parts
            )
        except httpx.HTTPError as exc:
            raise transport_error("discord", exc) from exc


def _limited(response: httpx.Response) -> tuple[float, bool]:
    """Seconds to wait and whether the limit is the global one, from a 429."""
    body = _json(response)
    body = body if isinstance(body, dict) else {}
    wait: float | None = None
    try:
        wait = max(0.0, float(body["retry_after"]))
    except (KeyError, TypeError, ValueError):
        wait = retry_after(response)
    scope = response.headers.get("x-ratelimit-scope", "")
    is_global = (
        scope == "global"
        or response.headers.get("x-ratelimit-global") == "true"
        or body.get("global") is True
    )
    return (wait if wait is not None else 1.0), is_global


def _result(response: httpx.Response) -> Any:
    code = response.status_code
    if code == 204:
        return {}
    body = _json(response)
    if 200 <= code < 300:
        return body
    detail = body if isinstance(body, dict) else {}
    message = (
        f"discord: HTTP {code} code {detail.get('code')} {detail.get('message', response.reason_phrase)}"
    )
    if code == 400:
        raise InvalidInput(f"{message}: {form_errors(detail)}")
    if code in (401, 403):
        raise AuthError(message)
    if code == 404:
        raise ChannelGone(f"{message}: the channel, webhook or interaction is gone")
    raise TemporaryError(message)
