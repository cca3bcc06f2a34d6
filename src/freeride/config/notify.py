"""Settings of notification channels: Discord webhooks, signed outbound webhooks, retries."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from freeride.config.problems import problem
from freeride.config.run import FrozenConfig

_CHANNEL = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")


class OutboundWebhookSettings(FrozenConfig):
    url: str
    secret: SecretStr

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise problem(
                f"{value!r} is not an http(s):// URL", "use e.g. https://example.com/hooks/freeride"
            )
        return value

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise problem("the signing secret is shorter than 16 characters", "use a long random string")
        return value


class NotifySettings(FrozenConfig):
    """Channels by name; alert rules name the channels they notify (``--notify discord``)."""

    discord: dict[str, SecretStr] = Field(default_factory=dict)
    discord_style: Literal["embeds", "text"] = "embeds"
    webhooks: dict[str, OutboundWebhookSettings] = Field(default_factory=dict)
    operator_channel: str | None = None
    retry_base_s: float = 1.0
    retry_cap_s: float = 300.0

    @field_validator("discord")
    @classmethod
    def _discord(cls, value: dict[str, SecretStr]) -> dict[str, SecretStr]:
        for name, url in value.items():
            if not _CHANNEL.match(name):
                raise problem(f"channel name {name!r} is not valid", "use 1-64 letters, digits or _ . : -")
            if not url.get_secret_value().startswith(("https://", "http://")):
                raise problem(
                    f"the webhook URL of {name!r} is not an http(s):// URL",
                    "copy it from Discord: channel settings → Integrations → Webhooks → Copy URL",
                )
        return value

    @field_validator("retry_base_s", "retry_cap_s")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise problem(f"must be > 0, got {value}", "set seconds, e.g. 1 for the first retry")
        return value

    @model_validator(mode="after")
    def _names(self) -> NotifySettings:
        both = sorted(set(self.discord) & set(self.webhooks))
        if both:
            raise problem(
                f"channel {', '.join(both)} is both a Discord and a webhook channel",
                "rename one",
                at="webhooks",
            )
        for name in self.webhooks:
            if not _CHANNEL.match(name):
                raise problem(
                    f"channel name {name!r} is not valid",
                    "use 1-64 letters, digits or _ . : -",
                    at="webhooks",
                )
        if self.operator_channel is not None and self.operator_channel not in self.channels:
            raise problem(
                f"operator channel {self.operator_channel!r} is not a configured channel",
                f"use one of {', '.join(self.channels) or '(none configured)'}",
                at="operator_channel",
            )
        return self

    @property
    def channels(self) -> list[str]:
        return sorted([*self.discord, *self.webhooks])
