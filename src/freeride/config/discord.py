"""Settings of the Discord bot: the application answering slash commands over HTTP, who may do what,
and which Discord channels the bot posts which topics to.

The bot needs no gateway connection: Discord POSTs each interaction to ``/discord/interactions`` on
the API, signed with the application's Ed25519 key (``public_key``, from the developer portal's
General Information page). The bot token (for registering commands and posting to channels) is a
secret: ``bot_token`` here or ``discord_bot_token`` in the secret stores.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from freeride.config.problems import problem
from freeride.config.run import FrozenConfig

ScopeName = Literal["read", "trade", "admin"]
TopicKind = Literal["alerts", "plans", "fills", "anomalies"]
TOPIC_KINDS: tuple[TopicKind, ...] = ("alerts", "plans", "fills", "anomalies")
BOT_TOKEN_SECRET = "discord_bot_token"

_SNOWFLAKE = re.compile(r"^[0-9]{1,20}$")
_HEX_KEY = re.compile(r"^[0-9a-fA-F]{64}$")


def _snowflakes(value: dict[str, object], what: str) -> None:
    for key in value:
        if not _SNOWFLAKE.match(key):
            raise problem(
                f"{what} id {key!r} is not a Discord id",
                "copy it with Developer Mode on: right click → Copy ID",
            )


class DiscordBotSettings(FrozenConfig):
    """The bot is off until ``application_id`` and ``public_key`` are both set."""

    application_id: str | None = None
    public_key: str | None = None
    bot_token: SecretStr | None = None
    api_url: str = "https://discord.com/api/v10"
    users: dict[str, ScopeName] = Field(default_factory=dict)
    roles: dict[str, ScopeName] = Field(default_factory=dict)
    subscriptions: dict[str, list[TopicKind]] = Field(default_factory=dict)
    """Discord channel id → topics the bot posts there (``alerts``, ``plans``, ``fills``, ``anomalies``);
    ``/subscribe`` adds to these while the process runs."""
    max_body_bytes: int = 65_536
    timestamp_tolerance_s: float = 300.0
    inline_budget_s: float = 2.0
    confirm_ttl_s: float = 60.0
    public_url: str | None = None
    """Where the API is reached from outside (``https://bot.example.com``): report links use it."""

    @property
    def enabled(self) -> bool:
        return self.application_id is not None and self.public_key is not None

    @model_validator(mode="after")
    def _both_or_neither(self) -> DiscordBotSettings:
        if (self.application_id is None) != (self.public_key is None):
            missing = "public_key" if self.public_key is None else "application_id"
            raise problem(
                f"{missing} is not set, so the bot would stay off",
                "copy both Application ID and Public Key from the portal's General Information page",
                at=missing,
            )
        return self

    @field_validator("application_id", "public_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """An empty value is no value: deployment files pass ``''`` for a bot not set up."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("application_id")
    @classmethod
    def _app_id(cls, value: str | None) -> str | None:
        if value is not None and not _SNOWFLAKE.match(value):
            raise problem(
                f"{value!r} is not a Discord application id", "copy the Application ID from the portal"
            )
        return value

    @field_validator("public_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        if value is not None and not _HEX_KEY.match(value.strip()):
            raise problem(
                "the public key is not 64 hexadecimal characters",
                "copy Public Key from the developer portal's General Information page",
            )
        return None if value is None else value.strip().lower()

    @field_validator("users")
    @classmethod
    def _users(cls, value: dict[str, ScopeName]) -> dict[str, ScopeName]:
        _snowflakes(dict(value), "user")
        return value

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: dict[str, ScopeName]) -> dict[str, ScopeName]:
        _snowflakes(dict(value), "role")
        return value

    @field_validator("subscriptions")
    @classmethod
    def _subs(cls, value: dict[str, list[TopicKind]]) -> dict[str, list[TopicKind]]:
        _snowflakes(dict(value), "channel")
        return value

    @field_validator("api_url", "public_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip().rstrip("/")
        if not text.startswith(("http://", "https://")):
            raise problem(f"{value!r} is not an http(s):// URL", "use e.g. https://discord.com/api/v10")
        return text

    @field_validator("max_body_bytes")
    @classmethod
    def _max_body(cls, value: int) -> int:
        if not 1_024 <= value <= 4_194_304:
            raise problem(f"must be between 1 KiB and 4 MiB, got {value}", "set bytes, e.g. 65536")
        return value

    @field_validator("inline_budget_s")
    @classmethod
    def _budget(cls, value: float) -> float:
        if not 0 < value <= 2.5:
            raise problem(
                f"must be above 0 and at most 2.5 seconds, got {value}",
                "Discord waits 3 s for the first answer; set e.g. 2",
            )
        return value

    @field_validator("timestamp_tolerance_s", "confirm_ttl_s")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not 0 < value <= 3_600:
            raise problem(f"must be between 0 and 3600 seconds, got {value}", "set seconds, e.g. 60")
        return value
