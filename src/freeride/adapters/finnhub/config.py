"""Finnhub settings and its real free-tier limits: 60 calls a minute, never more than 30 a second."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr

from freeride.net.limiter import Limit

BASE_URL = "https://finnhub.io/api/v1"
WS_URL = "wss://ws.finnhub.io"
FREE_LIMITS = (Limit.per_second(30), Limit.per_minute(60))


@dataclass(frozen=True)
class FinnhubConfig:
    api_key: SecretStr
    base_url: str = BASE_URL
    ws_url: str = WS_URL
    timeout_s: float = 10.0
    limits: tuple[Limit, ...] = field(default=FREE_LIMITS)
