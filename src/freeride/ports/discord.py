"""What the Discord bot needs from Discord's REST API, whoever implements it.

The interactions endpoint answers Discord inline; everything after the first answer (a deferred
command's result, a follow-up, a chart) goes back over REST with the interaction's token, and
posts to channels and command registration use the bot token. Bodies are Discord's own JSON
(``content``, ``embeds``, ``components``, ``flags``); files ride along as attachments.

Every method raises the ``core.errors`` tree: ``RateLimited`` once its own retries are spent,
``InvalidInput`` for a body Discord refused (400), ``AuthError`` for a bad token (401/403),
``ChannelGone`` for an unknown channel or webhook (404), ``TemporaryError`` for the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import msgspec


class Attachment(msgspec.Struct, frozen=True, kw_only=True):
    """A file sent with a message (a chart's PNG)."""

    filename: str
    content: bytes
    content_type: str = "image/png"


class DiscordRest(Protocol):
    async def edit_original(
        self, token: str, body: dict[str, Any], files: Sequence[Attachment] = ()
    ) -> dict[str, Any]:
        """``PATCH /webhooks/{application_id}/{token}/messages/@original``: the deferred answer."""
        ...

    async def followup(
        self, token: str, body: dict[str, Any], files: Sequence[Attachment] = ()
    ) -> dict[str, Any]:
        """``POST /webhooks/{application_id}/{token}``: one more message after the answer."""
        ...

    async def put_commands(self, commands: list[dict[str, Any]], guild_id: str | None = None) -> list[Any]:
        """``PUT /applications/{application_id}[/guilds/{guild_id}]/commands``: replace them all."""
        ...

    async def create_message(
        self, channel_id: str, body: dict[str, Any], files: Sequence[Attachment] = ()
    ) -> dict[str, Any]:
        """``POST /channels/{channel_id}/messages`` with the bot token."""
        ...

    async def aclose(self) -> None: ...
