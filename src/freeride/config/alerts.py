"""Settings of the alert engine and of the TradingView webhook intake."""

from __future__ import annotations

import ipaddress
import json
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from freeride.config.problems import problem
from freeride.config.run import FrozenConfig

_NAME_FIX = "use 1-64 letters, digits or _ . : -"


def split_list(value: Any) -> Any:
    """``a,b`` from the environment as a list (JSON lists are taken as they are)."""
    if isinstance(value, str) and not value.strip().startswith("["):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, str):
        return json.loads(value)
    return value


class TradingViewSettings(FrozenConfig):
    """``POST /webhooks/tradingview``: TradingView cannot sign, so a passphrase in the body."""

    passphrase: SecretStr | None = None
    allow_ips: Annotated[list[str], NoDecode] = Field(default_factory=list)
    trust_forwarded_for: bool = False
    """Take the client address from ``X-Forwarded-For`` when the connection comes from one of
    ``trusted_proxies`` (the right-most address they did not add); off, the header is ignored."""
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    max_body_bytes: int = 16_384
    dedupe_window_s: float = 300.0
    queue_size: int = 1_000

    @field_validator("passphrase", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if isinstance(text, str) and not text.strip() else value

    @field_validator("passphrase")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 12:
            raise problem("the passphrase is shorter than 12 characters", "use a long random string")
        return value

    @field_validator("allow_ips", "trusted_proxies", mode="before")
    @classmethod
    def _ips_list(cls, value: Any) -> Any:
        return split_list(value)

    @field_validator("allow_ips", "trusted_proxies")
    @classmethod
    def _ips(cls, value: list[str]) -> list[str]:
        for spec in value:
            try:
                ipaddress.ip_network(spec, strict=False)
            except ValueError:
                raise problem(
                    f"{spec!r} is not an IP address or network", "use e.g. 52.89.214.238,10.0.0.0/8"
                ) from None
        return value

    @field_validator("max_body_bytes", "queue_size")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise problem(f"must be > 0, got {value}", "set a positive whole number")
        return value

    @field_validator("dedupe_window_s")
    @classmethod
    def _window(cls, value: float) -> float:
        if value < 0:
            raise problem(f"must be >= 0, got {value}", "set seconds, e.g. 300 (0 turns de-duplication off)")
        return value


class AlertSettings(FrozenConfig):
    """The alert engine: which channels a rule without its own uses, how often the store is read."""

    enabled: bool = True
    default_notify: Annotated[list[str], NoDecode] = Field(default_factory=list)
    sync_interval_s: float = 2.0
    tradingview: TradingViewSettings = Field(default_factory=TradingViewSettings)

    @field_validator("default_notify", mode="before")
    @classmethod
    def _channels(cls, value: Any) -> Any:
        return split_list(value)

    @field_validator("sync_interval_s")
    @classmethod
    def _interval(cls, value: float) -> float:
        if value <= 0:
            raise problem(f"must be > 0, got {value}", "set seconds between looks at the store, e.g. 2")
        return value
