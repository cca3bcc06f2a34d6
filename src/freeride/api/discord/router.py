"""``POST /discord/interactions``: where Discord sends every interaction of the application.

No bearer token: Discord proves itself with the Ed25519 signature instead (checked by the bot on
the raw bytes). The body is read with a bound (``discord.max_body_bytes``, 413 beyond it, the
rest never read); 503 while the bot is not configured in this process. It is Discord's endpoint,
not one for API clients, so it stays out of the OpenAPI schema (docs/discord.md describes it),
and it is a plain Starlette route: it has no parameters for FastAPI to resolve, and skipping that
machinery is a third of the time an answer takes.
"""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from freeride.api.discord.bot import InteractionBot
from freeride.api.errors import ApiError

_ENCODER = msgspec.json.Encoder()


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def interactions(request: Request) -> Response:
    """One interaction (PING, slash command, button, autocomplete), answered as Discord expects."""
    bot: InteractionBot | None = getattr(request.app.state, "discord_bot", None)
    if bot is None:
        raise ApiError(
            503, "the Discord bot is not configured: set discord.application_id and discord.public_key"
        )
    body = await _body(request, bot.settings.max_body_bytes)
    headers = request.headers
    answer = await bot.handle(headers.get("x-signature-ed25519"), headers.get("x-signature-timestamp"), body)
    return Response(_ENCODER.encode(answer), media_type="application/json")


route = Route("/discord/interactions", interactions, methods=["POST"])
