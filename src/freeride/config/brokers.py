"""Settings of the real brokers: where each is reached and how its session is kept alive.

Keys, passwords and tokens are secrets: they may be set here (as ``SecretStr``) but belong in the
secret stores under the names in ``BROKER_SECRETS``.
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr, field_validator

from freeride.config.problems import problem
from freeride.config.run import FrozenConfig

ALPACA_LIVE_URL = "https://api.alpaca.markets"
ALPACA_PAPER_URL = "https://paper-api.alpaca.markets"
ROBINHOOD_URL = "https://api.robinhood.com"

# What each broker reads from the secret stores (robinhood_tokens is written back on refresh).
BROKER_SECRETS: dict[str, tuple[str, ...]] = {
    "alpaca": ("alpaca_key_id", "alpaca_secret_key"),
    "robinhood": (
        "robinhood_username",
        "robinhood_password",
        "robinhood_totp_secret",
        "robinhood_device_token",
        "robinhood_tokens",
    ),
}


def _url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip().rstrip("/")
    if not text.startswith(("http://", "https://", "ws://", "wss://")):
        raise problem(
            f"{value!r} is not an http(s):// or ws(s):// URL", "use e.g. https://api.alpaca.markets"
        )
    return text


def _blank(value: Any) -> Any:
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    return None if isinstance(text, str) and not text.strip() else value


class AlpacaSettings(FrozenConfig):
    paper: bool = True
    key_id: SecretStr | None = None
    secret_key: SecretStr | None = None
    base_url: str | None = None
    stream_url: str | None = None
    timeout_s: float = 10.0

    @field_validator("key_id", "secret_key", mode="before")
    @classmethod
    def _blank_secret(cls, value: Any) -> Any:
        return _blank(value)

    @field_validator("base_url", "stream_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return _url(value)

    @field_validator("timeout_s")
    @classmethod
    def _timeout(cls, value: float) -> float:
        if value <= 0:
            raise problem(f"must be > 0, got {value}", "set seconds to wait for Alpaca, e.g. 10")
        return value

    def rest_url(self) -> str:
        return self.base_url or (ALPACA_PAPER_URL if self.paper else ALPACA_LIVE_URL)

    def ws_url(self) -> str:
        if self.stream_url:
            return self.stream_url
        return self.rest_url().replace("https://", "wss://").replace("http://", "ws://") + "/stream"


class RobinhoodSettings(FrozenConfig):
    base_url: str = ROBINHOOD_URL
    username: str | None = None
    refresh_ahead_s: float = 3_600.0
    token_expires_in_s: int = 86_400
    poll_s: float = 2.0
    timeout_s: float = 10.0

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        url = _url(value)
        if url is None:
            raise problem("empty URL", f"leave it unset for {ROBINHOOD_URL}")
        return url

    @field_validator("username", mode="before")
    @classmethod
    def _user(cls, value: Any) -> Any:
        return _blank(value)

    @field_validator("refresh_ahead_s", "poll_s", "timeout_s")
    @classmethod
    def _seconds(cls, value: float) -> float:
        if value <= 0:
            raise problem(f"must be > 0, got {value}", "set a number of seconds, e.g. 2")
        return value

    @field_validator("token_expires_in_s")
    @classmethod
    def _expiry(cls, value: int) -> int:
        if not 300 <= value <= 30 * 86_400:
            raise problem(f"{value} s is outside 300 s .. 30 days", "ask for e.g. 86400 (one day)")
        return value
