"""Settings of one Discord channel (one webhook URL)."""

from __future__ import annotations

from typing import Literal

import msgspec


class DiscordConfig(msgspec.Struct, frozen=True, kw_only=True):
    """``url`` holds the webhook's token: it is a secret, never logged.

    ``style``: ``embeds`` (a card per notification, bursts packed into embed descriptions, up to
    6,000 characters a message) or ``text`` (plain lines in ``content``, under 2,000 a message).
    """

    channel: str
    url: str = msgspec.field(default="")
    username: str | None = "freeride"
    style: Literal["embeds", "text"] = "embeds"
    wait: bool = False
    timeout_s: float = 10.0

    def __repr__(self) -> str:
        return f"DiscordConfig(channel={self.channel!r}, url='**********', style={self.style!r})"
