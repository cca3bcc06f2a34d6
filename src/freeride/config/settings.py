"""The one settings tree: environment (``FREERIDE_…``), ``.env`` and code, checked before anything runs.

Every field is documented in docs/configuration.md. ``load_settings()`` is the way in: it reports
every problem at once, one line each, naming the setting, its variable and the fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings import SettingsError as _SourceError

from freeride.config.alerts import AlertSettings
from freeride.config.api import ApiSettings
from freeride.config.discord import DiscordBotSettings
from freeride.config.execution import ExecutionSettings
from freeride.config.markets import MarketSettings
from freeride.config.notify import NotifySettings
from freeride.config.ops import OpsSettings
from freeride.config.paths import config_file, default_database_url
from freeride.config.problems import InvalidSettings, SettingProblem, problem, problems_from
from freeride.config.provenance import file_of, layers
from freeride.config.research import ResearchSettings
from freeride.config.run import FeedSettings, FrozenConfig, RunSettings, default_feeds, shipped_files
from freeride.config.schema import ENV_NESTED_DELIMITER, ENV_PREFIX, env_var_for
from freeride.config.sources import StrictDotEnvSource, StrictEnvSource
from freeride.config.toml_source import StrictTomlSource
from freeride.config.trading import SleeveSettings, check_sleeves, check_watchlists, sleeves_from_run
from freeride.config.urls import DATABASE_URL_FIX, check_redis_url, mask_url, normalise_database_url

__all__ = [
    "KNOWN_PROVIDERS",
    "PROVIDERS_NEEDING_KEYS",
    "BusSettings",
    "FeedSettings",
    "InvalidSettings",
    "LogSettings",
    "ProviderSettings",
    "RunSettings",
    "SecretSettings",
    "SettingProblem",
    "Settings",
    "default_feeds",
    "load_settings",
    "shipped_files",
]

KNOWN_PROVIDERS: tuple[str, ...] = ("replay", "simulator", "alphavantage", "finnhub", "massive", "yahoo")
# Provider → the secret name its API key is stored under (settings field and secret store key).
PROVIDERS_NEEDING_KEYS: dict[str, str] = {
    "alphavantage": "alphavantage_api_key",
    "finnhub": "finnhub_api_key",
    "massive": "massive_api_key",
}
SecretKind = Literal["env", "file", "keyring", "azure_keyvault"]


def _split_list(value: Any) -> Any:
    """Lists from the environment: JSON (``["a","b"]``) or the friendlier ``a,b``."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                raise problem("not a valid JSON list", 'write it as a,b or as ["a", "b"]') from None
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


def _default_order() -> list[SecretKind]:
    return ["env", "file", "keyring"]


class BusSettings(FrozenConfig):
    """Which bus carries events: in-process (one process) or Redis Streams (several processes)."""

    backend: Literal["memory", "redis"] = "memory"
    queue_size: int = 50_000
    # the Redis Streams bus (docs/scaling.md): stream layout, trimming, redelivery
    stream_prefix: str = "freeride"
    shards: int = Field(default=8, ge=1, le=1024)
    """Streams per ordered family (by symbol or strategy): the most workers one role can split into."""
    max_len: int = Field(default=1_000_000, ge=1_000)
    """Entries each stream keeps (trimmed approximately on every add)."""
    retention_s: float | None = Field(default=None, gt=0)
    """Also trim entries older than this many seconds (``XTRIM MINID``); unset keeps ``max_len``."""
    read_count: int = Field(default=1_000, ge=1, le=100_000)
    reclaim_idle_s: float = Field(default=30.0, gt=0)
    """An entry pending this long (its worker died or failed) is claimed by another worker."""
    max_deliveries: int = Field(default=5, ge=1)
    """Deliveries before an entry no handler could take goes to the dead-letter stream."""
    dedupe_window: int = Field(default=200_000, ge=1_000)
    seen_ttl_s: float = Field(default=600.0, gt=0)
    """How long writing roles keep handled event ids in Redis: copies of one entry (a batch written
    again after a lost answer) sit close together in a stream, so minutes cover them; each id costs
    Redis about 100 bytes for this long."""
    start: Literal["new", "all"] = "new"
    """Where a new consumer group begins: entries added from now on, or all the stream holds."""

    @field_validator("queue_size")
    @classmethod
    def _queue_size(cls, value: int) -> int:
        if value <= 0:
            raise problem(
                f"queue size must be > 0, got {value}", "set the events buffered per consumer, e.g. 10000"
            )
        return value


class LogSettings(FrozenConfig):
    """Log verbosity and shape; ``auto`` is pretty on a terminal and JSON lines otherwise."""

    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "console"] = "auto"

    @field_validator("level", "format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class SecretSettings(FrozenConfig):
    """Where secrets are looked up, in order; the first store that has a secret wins."""

    order: Annotated[list[SecretKind], NoDecode] = Field(default_factory=_default_order)
    file: Path = Field(default=Path("~/.config/freeride/secrets.json"), validate_default=True)
    keyring_service: str = "freeride"
    azure_vault_url: str | None = None
    azure_name_prefix: str = "freeride-"

    @field_validator("azure_vault_url")
    @classmethod
    def _vault(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        text = value.strip().rstrip("/")
        if not text.startswith("https://"):
            raise problem(f"{value!r} is not an https:// URL", "use e.g. https://my-vault.vault.azure.net")
        return text

    @field_validator("azure_name_prefix")
    @classmethod
    def _vault_prefix(cls, value: str) -> str:
        if not all(c.isascii() and (c.isalnum() or c == "-") for c in value) or len(value) > 64:
            raise problem(f"{value!r} is not a Key Vault name prefix", "use letters, digits and -")
        return value

    @model_validator(mode="after")
    def _vault_needs_url(self) -> SecretSettings:
        if "azure_keyvault" in self.order and self.azure_vault_url is None:
            raise problem(
                "azure_keyvault is in the order but no vault URL is set",
                "set FREERIDE_SECRETS__AZURE_VAULT_URL=https://<vault>.vault.azure.net",
                at="azure_vault_url",
            )
        return self

    @field_validator("order", mode="before")
    @classmethod
    def _order_list(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("order")
    @classmethod
    def _order_unique(cls, value: list[SecretKind]) -> list[SecretKind]:
        repeated = sorted({kind for kind in value if value.count(kind) > 1})
        if repeated:
            raise problem(
                f"{', '.join(repeated)} listed more than once", "name each store once, e.g. env,file,keyring"
            )
        return value

    @field_validator("file")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("keyring_service")
    @classmethod
    def _service(cls, value: str) -> str:
        if not value.strip():
            raise problem("keyring service name is empty", "set it to e.g. freeride")
        return value.strip()


RATE_LIMITED_PROVIDERS = ("alphavantage", "finnhub", "massive", "yahoo")
_RATE = re.compile(
    r"^\s*(?P<count>\d+)\s*/\s*(?P<per>s|sec|second|min|minute|h|hour|d|day)\s*$", re.IGNORECASE
)
_PER = {"s": "second", "sec": "second", "min": "minute", "h": "hour", "d": "day"}


class RateLimitSetting(FrozenConfig):
    """``count`` requests per ``per``; written ``"300/min"`` (``s``, ``min``, ``h`` or ``day``).
    A ``day`` limit is a quota counted per UTC day, as vendors count theirs."""

    count: int
    per: Literal["second", "minute", "hour", "day"]

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = _RATE.match(value)
        if match is None:
            raise problem(f"{value!r} is not a rate", 'write e.g. "300/min", "30/s", "500/day"')
        per = match["per"].lower()
        return {"count": int(match["count"]), "per": _PER.get(per, per)}

    @field_validator("count")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise problem(f"a rate of {value} requests lets nothing through", "give a count above 0")
        return value


class ProviderSettings(FrozenConfig):
    """Market data providers to use, and their API keys (which may also live in the secret stores)."""

    alphavantage_api_key: SecretStr | None = None
    finnhub_api_key: SecretStr | None = None
    massive_api_key: SecretStr | None = None
    enabled: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["replay"])
    # Where each vendor is reached; changed only to point at a proxy or a fake server.
    alphavantage_url: str = "https://www.alphavantage.co"
    finnhub_url: str = "https://finnhub.io/api/v1"
    finnhub_ws_url: str = "wss://ws.finnhub.io"
    massive_url: str = "https://api.massive.com"
    massive_ws_url: str = "wss://socket.massive.com/stocks"
    yahoo_url: str = "https://query1.finance.yahoo.com"
    simulator_seed: int = 7
    quote_ttl_s: float = 5.0
    limits: dict[str, list[RateLimitSetting]] = Field(default_factory=dict)
    """A paid plan's rate limits, replacing the free plan's the gateway assumes for that provider:
    ``{"finnhub": ["300/min", "30/s"], "alphavantage": ["75/min"]}``."""

    @field_validator("limits")
    @classmethod
    def _limits(cls, value: dict[str, list[RateLimitSetting]]) -> dict[str, list[RateLimitSetting]]:
        unknown = sorted(name for name in value if name not in RATE_LIMITED_PROVIDERS)
        if unknown:
            raise problem(
                f"no rate limits to set for {', '.join(repr(n) for n in unknown)}",
                f"name any of {', '.join(RATE_LIMITED_PROVIDERS)}",
            )
        empty = sorted(name for name, limits in value.items() if not limits)
        if empty:
            raise problem(
                f"{', '.join(empty)}: an empty list would mean no limit at all",
                'give at least one, e.g. {"finnhub": ["300/min"]}',
            )
        return value

    @field_validator("quote_ttl_s")
    @classmethod
    def _ttl(cls, value: float) -> float:
        if value < 0:
            raise problem(f"quote TTL must be >= 0, got {value}", "set seconds a quote is reused, e.g. 5")
        return value

    @field_validator(
        "alphavantage_url", "finnhub_url", "finnhub_ws_url", "massive_url", "massive_ws_url", "yahoo_url"
    )
    @classmethod
    def _url(cls, value: str) -> str:
        text = value.strip().rstrip("/")
        if not text.startswith(("http://", "https://", "ws://", "wss://")):
            raise problem(
                f"{value!r} is not an http(s):// or ws(s):// URL", "use e.g. https://finnhub.io/api/v1"
            )
        return text

    @field_validator("alphavantage_api_key", "finnhub_api_key", "massive_api_key", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if isinstance(text, str) and not text.strip() else value

    @field_validator("enabled", mode="before")
    @classmethod
    def _enabled_list(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("enabled")
    @classmethod
    def _enabled_known(cls, value: list[str]) -> list[str]:
        names = [name.strip().lower() for name in value]
        unknown = [name for name in names if name not in KNOWN_PROVIDERS]
        if unknown:
            raise problem(
                f"unknown provider {', '.join(repr(n) for n in unknown)}",
                f"use any of {', '.join(KNOWN_PROVIDERS)}",
            )
        return list(dict.fromkeys(names))

    def api_key(self, provider: str) -> SecretStr | None:
        """The key set in settings for ``provider`` (``None`` if none, or if it needs none)."""
        field = PROVIDERS_NEEDING_KEYS.get(provider)
        key: SecretStr | None = getattr(self, field) if field is not None else None
        return key


class Settings(BaseSettings):
    """Everything freeride can be told; read from code, ``FREERIDE_*`` variables, ``.env`` and
    ``freeride.toml``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,
    )

    database_url: str = Field(default_factory=default_database_url)
    """SQLite in the user's data folder unless told otherwise, so every folder sees the same data."""
    redis_url: str | None = None
    bus: BusSettings = Field(default_factory=BusSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    secrets: SecretSettings = Field(default_factory=SecretSettings)
    providers: ProviderSettings = Field(default_factory=ProviderSettings)
    run: RunSettings = Field(default_factory=RunSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    discord: DiscordBotSettings = Field(default_factory=DiscordBotSettings)
    execution: ExecutionSettings = Field(default_factory=ExecutionSettings)
    ops: OpsSettings = Field(default_factory=OpsSettings)
    markets: MarketSettings = Field(default_factory=MarketSettings)
    watchlists: dict[str, list[str]] = Field(default_factory=dict)
    """Symbols streamed for alerts, research and the dashboard, by list name; nothing trades them."""
    research: ResearchSettings = Field(default_factory=ResearchSettings)
    sleeves: list[SleeveSettings] = Field(default_factory=list)
    """What trades: one strategy on one instrument each. Empty: every ``run.feeds`` entry trades
    ``run.strategy`` (see ``trading_sleeves``)."""

    @field_validator("watchlists")
    @classmethod
    def _watchlists(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return check_watchlists(value)

    @field_validator("sleeves")
    @classmethod
    def _sleeves(cls, value: list[SleeveSettings]) -> list[SleeveSettings]:
        return check_sleeves(value)

    def trading_sleeves(self) -> list[SleeveSettings]:
        """The sleeves that trade: ``sleeves`` when set, else one per ``run.feeds`` entry."""
        return list(self.sleeves) if self.sleeves else sleeves_from_run(self.run)

    def watched_symbols(self) -> list[str]:
        """Every symbol of every watchlist, once, in the order first listed."""
        return list(dict.fromkeys(s for symbols in self.watchlists.values() for s in symbols))

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            return normalise_database_url(value)
        except ValueError as exc:
            raise problem(str(exc), DATABASE_URL_FIX) from None

    @field_validator("redis_url", mode="before")
    @classmethod
    def _blank_redis(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check_redis_url(value)
        except ValueError as exc:
            raise problem(str(exc), "use e.g. redis://127.0.0.1:6379/0") from None

    @model_validator(mode="after")
    def _redis_bus_needs_url(self) -> Settings:
        if self.bus.backend == "redis" and self.redis_url is None:
            raise problem(
                "the redis bus needs redis_url, which is not set",
                "set FREERIDE_REDIS_URL=redis://127.0.0.1:6379/0 or use FREERIDE_BUS__BACKEND=memory",
                at="bus.backend",
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Code, environment, ``.env``, then ``freeride.toml``; unknown names and keys refused."""
        env_file = dotenv_settings.env_file if isinstance(dotenv_settings, DotEnvSettingsSource) else ".env"
        return (
            init_settings,
            StrictEnvSource(settings_cls),
            StrictDotEnvSource(settings_cls, env_file=env_file),
            StrictTomlSource(settings_cls, config_file()),
        )

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        """Reprs show URLs with their passwords masked; secrets are ``SecretStr`` already."""
        for name, value in super().__repr_args__():
            yield name, mask_url(value) if isinstance(value, str) else value


def load_settings(**overrides: Any) -> Settings:
    """Settings from ``overrides`` (keyword names as in ``Settings``), the environment, ``.env``
    and ``freeride.toml`` (see ``config.paths.config_file``), in that order of priority.

    Raises ``InvalidSettings`` (a ``ConfigError``) listing every problem, one line each:
    ``<setting> / <FREERIDE_VAR>: <what is wrong> — <how to fix it>``, or ``<file>: <setting>: …``
    when the value came from the settings file. Pass ``_env_file=None`` to ignore ``.env`` or
    ``_env_file=path`` to read another file.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        env_file = overrides.get("_env_file", ".env")
        given = {k: v for k, v in overrides.items() if not k.startswith("_")}
        resolve = file_of(layers(Settings, given, env_file))
        raise InvalidSettings(problems_from(exc, Settings, resolve)) from None
    except _SourceError as exc:
        raise InvalidSettings([_source_problem(exc)]) from None


def _source_problem(exc: _SourceError) -> SettingProblem:
    """pydantic-settings fails before validation when a nested value is not valid JSON."""
    message = str(exc)
    field = message.split('"')[1] if message.count('"') >= 2 else ""
    cause = f" ({exc.__cause__})" if exc.__cause__ is not None else ""
    return SettingProblem(
        field,
        env_var_for((field,)) + "__…" if field else ENV_PREFIX + "…",
        f"a value under it is not valid JSON{cause}",
        'lists and nested settings are JSON, e.g. FREERIDE_RUN__FEEDS=\'[{"symbol": "GOOG", ...}]\'',
    )
