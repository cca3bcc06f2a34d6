"""Alpha Vantage settings and its real free-tier limits (25 requests a day, about 1 a second)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import SecretStr

from freeride.net.limiter import Limit

BASE_URL = "https://www.alphavantage.co"
FREE_LIMITS = (Limit.per_second(1), Limit.per_day_utc(25))


@dataclass(frozen=True)
class AlphaVantageConfig:
    """``outputsize`` stays ``compact`` (the last 100 points) because ``full`` is premium-only."""

    api_key: SecretStr
    base_url: str = BASE_URL
    timeout_s: float = 10.0
    outputsize: str = "compact"
    limits: tuple[Limit, ...] = field(default=FREE_LIMITS)
