"""Settings of one outbound webhook."""

from __future__ import annotations

import msgspec


class WebhookConfig(msgspec.Struct, frozen=True, kw_only=True):
    """``secret`` signs every request; ``batch`` caps the notifications one request carries."""

    channel: str
    url: str
    secret: str = msgspec.field(default="")
    batch: int = 100
    timeout_s: float = 10.0

    def __repr__(self) -> str:
        return f"WebhookConfig(channel={self.channel!r}, url={self.url!r}, secret='**********')"
