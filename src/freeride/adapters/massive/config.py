"""Massive settings and its free-tier limit (5 calls a minute)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr

from freeride.net.limiter import Limit

BASE_URL = "https://api.massive.com"
WS_URL = "wss://socket.massive.com/stocks"
FREE_LIMITS = (Limit.per_minute(5),)


@dataclass(frozen=True)
class MassiveConfig:
    """``max_pages`` bounds how many ``next_url`` pages one bars request may follow."""

    api_key: SecretStr
    base_url: str = BASE_URL
    ws_url: str = WS_URL
    timeout_s: float = 10.0
    max_pages: int = 20
    limits: tuple[Limit, ...] = field(default=FREE_LIMITS)
