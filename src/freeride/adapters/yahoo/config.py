"""Yahoo settings. Yahoo publishes no limits; we stay polite (1 a second, 60 a minute)."""

from __future__ import annotations

from dataclasses import dataclass, field

from freeride.net.limiter import Limit

BASE_URL = "https://query1.finance.yahoo.com"
POLITE_LIMITS = (Limit.per_second(1), Limit.per_minute(60))
# Yahoo refuses clients that do not look like a browser.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
)


@dataclass(frozen=True)
class YahooConfig:
    base_url: str = BASE_URL
    timeout_s: float = 10.0
    user_agent: str = USER_AGENT
    limits: tuple[Limit, ...] = field(default=POLITE_LIMITS)
