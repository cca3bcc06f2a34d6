"""Research settings: news feeds, symbol links, the sentiment model and its budget, trade plans."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from freeride.config.problems import problem
from freeride.config.run import FrozenConfig

_FEED_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
NEWS_PROVIDERS = ("finnhub", "alphavantage", "massive")


class OpenAISettings(FrozenConfig):
    """The LLM analyser (``research.model = "openai"``); the key may live in the secret stores
    as ``openai_api_key``. Prices are USD per million tokens (the Batch API bills half)."""

    api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    base_url: str = "https://api.openai.com/v1"
    stories_per_request: int = 20
    daily_cap_usd: Decimal | None = Decimal(5)
    input_usd_per_mtok: float = 0.15
    output_usd_per_mtok: float = 0.60
    batch_min: int = 0

    @field_validator("stories_per_request")
    @classmethod
    def _per_request(cls, value: int) -> int:
        if not 1 <= value <= 100:
            raise problem(
                f"{value} stories per request", "use 1 to 100 (20 is a good trade of cost and size)"
            )
        return value

    @field_validator("daily_cap_usd")
    @classmethod
    def _cap(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise problem(f"a cap of {value} USD", "use a positive amount, or leave it unset for no cap")
        return value

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise problem(f"{value!r} is not an http(s):// URL", "use e.g. https://api.openai.com/v1")
        return value.rstrip("/")


class PlanSettings(FrozenConfig):
    """How plans are sized and timed: risk per trade as a share of ``equity``, in ``account_currency``."""

    equity: Decimal = Decimal(100_000)
    risk_fraction: float = 0.01
    account_currency: str = "USD"
    interval: str = "1d"
    history_bars: int = 120
    expiry_bars: int = 5
    post_to: list[str] = Field(default_factory=list)
    """Notification channels every new plan is posted to (``["discord"]``)."""
    symbols: list[str] = Field(default_factory=list)
    """Symbols ``freeride live`` makes a fresh plan for every ``every_s``; none: plans on demand only."""
    every_s: float = 3_600.0

    @field_validator("every_s")
    @classmethod
    def _every(cls, value: float) -> float:
        if value < 60:
            raise problem(f"a plan every {value} s", "plan at most once a minute, e.g. 3600")
        return value

    @field_validator("risk_fraction")
    @classmethod
    def _risk(cls, value: float) -> float:
        if not 0 < value <= 0.1:
            raise problem(
                f"risk of {value:.2%} per trade", "use a fraction above 0 and at most 0.1, e.g. 0.01"
            )
        return value

    @field_validator("equity")
    @classmethod
    def _equity(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise problem(f"equity {value}", "set the account's equity, e.g. 100000")
        return value

    @field_validator("history_bars")
    @classmethod
    def _history(cls, value: int) -> int:
        if value < 60:
            raise problem(f"{value} bars of history", "a plan needs at least 60 bars (SMA50 and more)")
        return value

    @field_validator("account_currency")
    @classmethod
    def _ccy(cls, value: str) -> str:
        text = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", text):
            raise problem(f"{value!r} is not a currency code", "use e.g. USD or EUR")
        return text


class ResearchSettings(FrozenConfig):
    """News polling runs in ``freeride live`` for the watchlists' and sleeves' symbols plus ``symbols``."""

    enabled: bool = True
    sources: list[str] = Field(default_factory=lambda: list(NEWS_PROVIDERS))
    """Vendors asked for news, each only when its API key is set."""
    rss: dict[str, str] = Field(default_factory=dict)
    """Feeds by short name: ``{"ecb": "https://www.ecb.europa.eu/rss/press.html"}``."""
    symbols: list[str] = Field(default_factory=list)
    links: dict[str, list[str]] = Field(default_factory=dict)
    """Words that link news to a ticker or a currency: ``{"AAPL": ["Apple", "iPhone"]}``."""
    poll_interval_s: float = 300.0
    lookback_s: float = 86_400.0
    cluster_threshold: float = 0.5
    cache_ttl_s: float = 7 * 86_400.0
    model: Literal["offline", "openai"] = "offline"
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    plans: PlanSettings = Field(default_factory=PlanSettings)

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in NEWS_PROVIDERS]
        if unknown:
            raise problem(
                f"unknown news source {', '.join(unknown)}", f"use any of {', '.join(NEWS_PROVIDERS)}"
            )
        return value

    @field_validator("rss")
    @classmethod
    def _rss(cls, value: dict[str, str]) -> dict[str, str]:
        for name, url in value.items():
            if not _FEED_NAME.match(name):
                raise problem(f"feed name {name!r}", "use 1-32 lower-case letters, digits, - or _")
            if not url.startswith(("http://", "https://")):
                raise problem(f"feed {name!r}: {url!r} is not an http(s):// URL", "paste the feed's URL")
        return value

    @field_validator("cluster_threshold")
    @classmethod
    def _threshold(cls, value: float) -> float:
        if not 0.2 <= value <= 0.95:
            raise problem(
                f"threshold {value}", "use a Jaccard similarity between 0.2 and 0.95 (0.5 measured best)"
            )
        return value

    @field_validator("poll_interval_s")
    @classmethod
    def _interval(cls, value: float) -> float:
        if value < 30:
            raise problem(f"polling every {value} s", "poll at most every 30 s (vendors rate-limit news)")
        return value
