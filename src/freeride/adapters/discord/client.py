"""Discord's webhook execute over HTTP, with its replies mapped to ``core.errors``.

* 204 (or 200 with ``?wait=true``): sent. ``X-RateLimit-Remaining: 0`` with
  ``X-RateLimit-Reset-After`` means the bucket is empty: the caller pauses that long first.
* 429: ``RateLimited`` with the body's ``retry_after`` (seconds, float), else ``Retry-After``. A 429
  without a ``Via`` header did not come from Discord's API but from Cloudflare in front of it
  (an IP ban after too many invalid requests): it is honoured with a pause of at least
  ``BAN_PAUSE_S`` rather than retried soon, which would only prolong the ban.
* 400 (code 50035 "Invalid Form Body"): ``InvalidInput`` naming Discord's complaint; never retried.
* 401 / 403: ``AuthError``; 404 (code 10015 "Unknown Webhook"): ``ChannelGone``. Never retried.
* 5xx and transport faults: ``TemporaryError``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from freeride.adapters.discord import limits as L
from freeride.core.errors import AuthError, InvalidInput, RateLimited, TemporaryError
from freeride.core.notify import ChannelGone
from freeride.net.http import make_client, retry_after, transport_error

BAN_PAUSE_S = 600.0


class DiscordClient:
    def __init__(
        self, url: str, *, timeout_s: float = 10.0, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._url = url
        self._http = make_client("", transport=transport, timeout_s=timeout_s)

    async def execute(self, body: dict[str, Any], *, wait: bool = False) -> float:
        """Post one message; returns seconds to pause before the next one (0 when none)."""
        try:
            response = await self._http.post(self._url, params={"wait": "true"} if wait else None, json=body)
        except httpx.HTTPError as exc:
            raise transport_error("discord", exc) from exc
        return check(response)

    async def aclose(self) -> None:
        await self._http.aclose()


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = json.loads(response.content)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _float(value: Any) -> float | None:
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None


def check(response: httpx.Response) -> float:
    """The pause the reply asks for, or the error it means."""
    code = response.status_code
    if code in (200, 204):
        if response.headers.get("x-ratelimit-remaining") == "0":
            return _float(response.headers.get("x-ratelimit-reset-after")) or 0.0
        return 0.0
    body = _body(response)
    message = str(body.get("message", response.reason_phrase))
    if code == 429:
        wait = _float(body.get("retry_after"))
        if wait is None:
            wait = retry_after(response)
        if "via" not in response.headers:
            raise RateLimited(
                "discord: HTTP 429 without Via: blocked by Cloudflare", max(wait or 0.0, BAN_PAUSE_S)
            )
        scope = response.headers.get("x-ratelimit-scope", "user")
        raise RateLimited(f"discord: rate limited ({scope})", wait)
    if code == 400:
        raise InvalidInput(f"discord: HTTP 400 code {body.get('code')} {message}: {form_errors(body)}")
    if code == 404 or body.get("code") == L.UNKNOWN_WEBHOOK:
        raise ChannelGone(f"discord: HTTP {code} code {body.get('code')} {message}: the webhook was deleted")
    if code in (401, 403):
        raise AuthError(f"discord: HTTP {code} code {body.get('code')} {message}")
    raise TemporaryError(f"discord: HTTP {code} {message}")


def form_errors(body: dict[str, Any]) -> str:
    """``content: Must be 2000 or fewer in length.`` from Discord's nested ``errors`` object."""
    found: list[str] = []

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, dict):
            for item in node.get("_errors", ()):
                found.append(f"{'.'.join(path)}: {item.get('message', item.get('code', '?'))}")
            for key, value in node.items():
                if key != "_errors":
                    walk(value, [*path, str(key)])

    walk(body.get("errors", {}), [])
    return "; ".join(found) or "no detail"
