"""The ``Notifier`` port for one Discord channel the bot posts to with its token.

Unlike a webhook channel (``notify.py``), a bot can post anywhere it was invited, with buttons
and files: ``POST /channels/{channel_id}/messages``. Bursts are coalesced exactly as the webhook
channel does (``pack``: cards for a few, lines packed into embeds or 2,000-character texts for
many); the shared REST client keeps to the per-route buckets and the bot's global limit, so the
relay sees a ``RateLimited`` only once the client's own retries are spent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from freeride.adapters.discord.pack import pack
from freeride.core.notify import Notification, target_fingerprint
from freeride.ports.discord import DiscordRest
from freeride.ports.notify import Delivered, Packet

PREFIX = "discord:"


def channel_name(channel_id: str) -> str:
    """The outbox channel of a Discord channel id (``discord:645027906669510667``)."""
    return PREFIX + channel_id


class DiscordChannelNotifier:
    def __init__(
        self, channel_id: str, rest: DiscordRest, *, style: Literal["embeds", "text"] = "embeds"
    ) -> None:
        self.channel = channel_name(channel_id)
        self.channel_id = channel_id
        self._rest = rest
        self._style = style
        self._fingerprint: str | None = None

    @property
    def target_fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = target_fingerprint("discord-channel", self.channel_id)
        return self._fingerprint

    def pack(self, items: Sequence[tuple[int, Notification]]) -> list[Packet]:
        packets = []
        for ids, body in pack(items, self._style):
            body["allowed_mentions"] = {"parse": []}  # posted text never pings @everyone
            packets.append(Packet(ids=tuple(ids), payload=body))
        return packets

    async def deliver(self, packet: Packet) -> Delivered:
        await self._rest.create_message(self.channel_id, packet.payload)
        return Delivered()

    async def aclose(self) -> None:
        """The REST client is shared by every channel and the interactions endpoint: its owner closes it."""
