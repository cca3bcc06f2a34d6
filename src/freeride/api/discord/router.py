"""``POST /discord/interactions``: where Discord sends every interaction of the application.

No bearer token: Discord proves itself with the Ed25519 signature instead (checked by the bot on
the raw bytes). The body is read with a bound (``discord.max_body_bytes``, 413 beyond it, the
rest never read); 503 while the bot is not configured in this process. It is Discord's endpoint,
not one for API clients, so it stays out of the OpenAPI schema (docs/discord.md describes it).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from freeride.api.discord.bot import InteractionBot
from freeride.api.errors import ERROR_RESPONSES, ApiError

router = APIRouter(tags=["discord"], responses=ERROR_RESPONSES)


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


@router.post("/discord/interactions", response_model=None, include_in_schema=False)
async def interactions(request: Request) -> Any:
    """One interaction (PING, slash command, button, autocomplete), answered as Discord expects."""
    bot: InteractionBot | None = getattr(request.app.state, "discord_bot", None)
    if bot is None:
        raise ApiError(
            503, "the Discord bot is not configured: set discord.application_id and discord.public_key"
        )
    body = await _body(request, bot.settings.max_body_bytes)
    headers = request.headers
    answer = await bot.handle(headers.get("x-signature-ed25519"), headers.get("x-signature-timestamp"), body)
    return JSONResponse(answer)
