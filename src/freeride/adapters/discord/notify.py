"""The ``Notifier`` port for one Discord channel."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from freeride.adapters.discord.client import DiscordClient
from freeride.adapters.discord.config import DiscordConfig
from freeride.adapters.discord.pack import pack
from freeride.core.notify import Notification, target_fingerprint
from freeride.ports.notify import Delivered, Packet


class DiscordNotifier:
    def __init__(self, config: DiscordConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.channel = config.channel
        self.config = config
        self._client = DiscordClient(config.url, timeout_s=config.timeout_s, transport=transport)
        self._fingerprint: str | None = None

    @property
    def target_fingerprint(self) -> str:
        """The webhook URL's digest: a new URL (webhook re-created) re-enables a disabled channel."""
        if self._fingerprint is None:  # scrypt: worth computing once
            self._fingerprint = target_fingerprint(self.config.url)
        return self._fingerprint

    def pack(self, items: Sequence[tuple[int, Notification]]) -> list[Packet]:
        packets = []
        for ids, body in pack(items, self.config.style):
            if self.config.username:
                body["username"] = self.config.username
            body["allowed_mentions"] = {"parse": []}  # alert text never pings @everyone
            packets.append(Packet(ids=tuple(ids), payload=body))
        return packets

    async def deliver(self, packet: Packet) -> Delivered:
        pause = await self._client.execute(packet.payload, wait=self.config.wait)
        return Delivered(pause_s=pause)

    async def aclose(self) -> None:
        await self._client.aclose()
