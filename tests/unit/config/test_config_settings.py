"""Settings: defaults, normalisation, and one clear line per problem naming setting, variable and fix."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from freeride.config.paths import data_dir
from freeride.config.schema import env_var_names
from freeride.config.settings import FeedSettings, InvalidSettings, Settings, load_settings
from freeride.core.errors import ConfigError

SECRET = "hunter2-very-secret"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"


def problems(**overrides: object) -> list[str]:
    with pytest.raises(InvalidSettings) as caught:
        load_settings(**overrides)
    assert isinstance(caught.value, ConfigError)
    assert str(caught.value) == "\n".join(caught.value.lines)
    return caught.value.lines


def only_problem(**overrides: object) -> str:
    lines = problems(**overrides)
    assert len(lines) == 1, lines
    return lines[0]


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == f"sqlite+aiosqlite:///{data_dir() / 'freeride.db'}"
    assert settings.redis_url is None
    assert settings.bus.backend == "memory"
    assert settings.bus.queue_size == 50_000
    assert (settings.log.level, settings.log.format) == ("info", "auto")
    assert settings.secrets.order == ["env", "file", "keyring"]
    assert settings.secrets.file == Path("~/.config/freeride/secrets.json").expanduser()
    assert settings.secrets.keyring_service == "freeride"
    assert settings.providers.enabled == ["replay"]
    assert settings.providers.finnhub_api_key is None
    run = settings.run
    assert (run.speed, run.starting_cash, run.commission_rate) == (0.0, Decimal(100000), Decimal("0.001"))
    assert (run.strategy, run.fast, run.slow) == ("sma_cross", 10, 30)
    goog, eurusd = run.feeds
    assert (goog.symbol, goog.interval, goog.quantity) == ("GOOG", "1d", Decimal(50))
    assert (eurusd.symbol, eurusd.interval, eurusd.quantity) == ("EUR/USD", "1h", Decimal(10000))
    assert goog.resolve_path().name == "GOOG_daily.csv"
    assert goog.resolve_path().is_file()
    assert eurusd.resolve_path().name == "EURUSD_hourly.csv"
    assert eurusd.resolve_path().is_file()


def test_settings_and_sub_configs_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(ValidationError):
        settings.redis_url = "redis://x"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        settings.bus.queue_size = 1  # type: ignore[misc]


def test_environment_and_nested_delimiter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_BUS__QUEUE_SIZE", "5")
    monkeypatch.setenv("FREERIDE_LOG__LEVEL", "DEBUG")
    monkeypatch.setenv("FREERIDE_PROVIDERS__ENABLED", "replay, finnhub")
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", '["file", "env"]')
    monkeypatch.setenv("FREERIDE_PROVIDERS__FINNHUB_API_KEY", SECRET)
    monkeypatch.setenv("FREERIDE_RUN__FEEDS", '[{"symbol": "aapl", "path": "~/a.csv", "quantity": "3"}]')
    settings = load_settings()
    assert settings.bus.queue_size == 5
    assert settings.log.level == "debug"
    assert settings.providers.enabled == ["replay", "finnhub"]
    assert settings.secrets.order == ["file", "env"]
    assert settings.providers.finnhub_api_key == SecretStr(SECRET)
    (feed,) = settings.run.feeds
    assert feed.symbol == "AAPL"
    assert feed.resolve_path() == Path("~/a.csv").expanduser()
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings)


def test_dotenv_file_is_read_and_foreign_keys_are_left_alone(write_env: Callable[[str], Path]) -> None:
    write_env(f"FREERIDE_RUN__FAST=3\nCOMPOSE_PROJECT_NAME=x\nFREERIDE_SECRET_FINNHUB_API_KEY={SECRET}\n")
    assert load_settings().run.fast == 3
    assert load_settings(_env_file=None).run.fast == 10


def test_environment_wins_over_dotenv(
    monkeypatch: pytest.MonkeyPatch, write_env: Callable[[str], Path]
) -> None:
    write_env("FREERIDE_RUN__FAST=3\n")
    monkeypatch.setenv("FREERIDE_RUN__FAST", "4")
    assert load_settings().run.fast == 4


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///./x.db", "sqlite+aiosqlite:///./x.db"),
        ("sqlite+aiosqlite:////abs/x.db", "sqlite+aiosqlite:////abs/x.db"),
        ("postgres://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
        ("postgresql://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_database_url_normalised_to_async_drivers(given: str, expected: str) -> None:
    assert load_settings(database_url=given).database_url == expected


def test_database_url_password_is_masked_in_repr() -> None:
    settings = load_settings(
        database_url=f"postgresql://u:{SECRET}@h/db", redis_url=f"redis://:{SECRET}@h:6379"
    )
    assert SECRET not in repr(settings)
    assert "postgresql+asyncpg://u:***@h/db" in repr(settings)


def test_unknown_key() -> None:
    line = only_problem(nope=1)
    assert line.startswith("nope / FREERIDE_NOPE: unknown setting — remove it or use one of: database_url,")


def test_unknown_nested_key() -> None:
    line = only_problem(bus={"backen": "redis"})
    assert line.startswith("bus.backen / FREERIDE_BUS__BACKEN: unknown setting — ")
    assert "backend, queue_size" in line


def test_unknown_env_var_is_named_and_its_value_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_DATABSE_URL", SECRET)
    line = only_problem()
    assert line.startswith("FREERIDE_DATABSE_URL: unknown variable (from the environment) — ")
    assert "did you mean FREERIDE_DATABASE_URL?" in line
    assert SECRET not in line


def test_unknown_nested_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_BUS__BACKEN", "redis")
    assert only_problem().startswith("bus.backen / FREERIDE_BUS__BACKEN: unknown setting — ")


def test_env_var_past_a_leaf_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    # pydantic-settings would drop this one without a word.
    monkeypatch.setenv("FREERIDE_DATABASE_URL__HOST", "x")
    assert only_problem().startswith("FREERIDE_DATABASE_URL__HOST: unknown variable")


def test_unknown_var_in_dotenv(write_env: Callable[[str], Path]) -> None:
    write_env(f"FREERIDE_BOGUS={SECRET}\n")
    line = only_problem()
    assert line.startswith("FREERIDE_BOGUS: unknown variable (from env file .env) — remove it")
    assert SECRET not in line


def test_secret_variables_are_not_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_SECRET_FINNHUB_API_KEY", SECRET)
    load_settings()


def test_direct_construction_rejects_unknown_env_vars_without_echoing_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FREERIDE_TYPO_API_KEY", SECRET)
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert SECRET not in str(caught.value)


def test_bad_database_scheme_masks_the_password() -> None:
    line = only_problem(database_url=f"mysql://u:{SECRET}@h/db")
    assert line.startswith("database_url / FREERIDE_DATABASE_URL: database scheme 'mysql' is not supported")
    assert "— use sqlite+aiosqlite:///" in line
    assert SECRET not in line


def test_database_url_without_scheme() -> None:
    line = only_problem(database_url="freeride.db")
    assert "is not a URL" in line
    assert "— use sqlite+aiosqlite" in line


def test_bad_redis_url_masks_the_password() -> None:
    line = only_problem(redis_url=f"http://:{SECRET}@h")
    assert line.startswith("redis_url / FREERIDE_REDIS_URL: redis URL scheme 'http' is not supported")
    assert SECRET not in line


def test_redis_bus_needs_redis_url() -> None:
    line = only_problem(bus={"backend": "redis"})
    assert line.startswith("bus.backend / FREERIDE_BUS__BACKEND: the redis bus needs redis_url")
    assert "set FREERIDE_REDIS_URL=" in line
    assert (
        load_settings(bus={"backend": "redis"}, redis_url="redis://127.0.0.1:6379/0").bus.backend == "redis"
    )


def test_bad_bus_backend_lists_the_valid_ones() -> None:
    line = only_problem(bus={"backend": "kafka"})
    assert (
        line == "bus.backend / FREERIDE_BUS__BACKEND: 'kafka' is not allowed — use one of 'memory' or 'redis'"
    )


@pytest.mark.parametrize("size", [0, -1])
def test_queue_size_must_be_positive(size: int) -> None:
    assert only_problem(bus={"queue_size": size}).startswith(
        "bus.queue_size / FREERIDE_BUS__QUEUE_SIZE: queue size must be > 0"
    )


def test_fast_not_below_slow_names_both() -> None:
    line = only_problem(run={"fast": 30, "slow": 10})
    assert line.startswith("run.fast / FREERIDE_RUN__FAST: fast (30) must be smaller than slow (10) — ")
    assert only_problem(run={"fast": 10, "slow": 10}).startswith("run.fast / FREERIDE_RUN__FAST: fast (10)")


def test_windows_at_least_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_RUN__FAST", "0")
    assert "fast (0) and slow (30) must both be ≥ 1" in only_problem()


def test_negative_speed() -> None:
    line = only_problem(run={"speed": -1})
    assert line.startswith("run.speed / FREERIDE_RUN__SPEED: speed must be ≥ 0, got -1.0 — set 0")
    assert load_settings(run={"speed": 2.5}).run.speed == 2.5


@pytest.mark.parametrize(("field", "value"), [("starting_cash", "0"), ("commission_rate", "0.1")])
def test_money_bounds(field: str, value: str) -> None:
    assert only_problem(run={field: value}).startswith(f"run.{field} / FREERIDE_RUN__{field.upper()}: ")


def test_bad_symbol_is_a_field_error() -> None:
    line = only_problem(run={"feeds": [{"symbol": "GO OG", "shipped": "GOOG_daily.csv", "quantity": 1}]})
    assert line.startswith("run.feeds[0].symbol / FREERIDE_RUN__FEEDS: symbol 'GO OG' is neither")
    assert "— use a ticker like GOOG or a pair like EUR/USD" in line


def test_bad_interval_lists_the_valid_ones() -> None:
    line = only_problem(
        run={"feeds": [{"symbol": "GOOG", "interval": "2d", "shipped": "GOOG_daily.csv", "quantity": 1}]}
    )
    assert line.startswith(
        "run.feeds[0].interval / FREERIDE_RUN__FEEDS: interval '2d' is unknown — use one of 1m,"
    )


def test_missing_shipped_file_lists_the_shipped_ones() -> None:
    line = only_problem(run={"feeds": [{"symbol": "GOOG", "shipped": "nope.csv", "quantity": 1}]})
    assert line.startswith(
        "run.feeds[0].shipped / FREERIDE_RUN__FEEDS: no shipped data file named 'nope.csv'"
    )
    assert "EURUSD_hourly.csv, GOOG_daily.csv" in line


@pytest.mark.parametrize("extra", [{}, {"path": "a.csv", "shipped": "GOOG_daily.csv"}])
def test_exactly_one_of_path_and_shipped(extra: dict[str, str]) -> None:
    line = only_problem(run={"feeds": [{"symbol": "GOOG", "quantity": 1, **extra}]})
    assert line.startswith("run.feeds[0].path / FREERIDE_RUN__FEEDS: set exactly one of path and shipped — ")


def test_feed_quantity_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="quantity must be > 0"):
        FeedSettings(symbol="GOOG", shipped="GOOG_daily.csv", quantity=Decimal(0))


def test_unknown_provider_lists_the_known_ones() -> None:
    line = only_problem(providers={"enabled": ["replay", "bloomberg"]})
    assert line == (
        "providers.enabled / FREERIDE_PROVIDERS__ENABLED: unknown provider 'bloomberg' — "
        "use any of replay, simulator, alphavantage, finnhub, massive, yahoo"
    )


def test_secret_order_repeats_and_unknown_kinds() -> None:
    assert "env listed more than once" in only_problem(secrets={"order": "env,env"})
    assert only_problem(secrets={"order": ["vault"]}).startswith(
        "secrets.order[0] / FREERIDE_SECRETS__ORDER: 'vault'"
    )


def test_invalid_json_in_a_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_RUN__FEEDS", '[{"symbol":')
    line = only_problem()
    assert line.startswith("run / FREERIDE_RUN__…: a value under it is not valid JSON")


def test_one_line_per_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_NOPE", "1")
    lines = problems(database_url="mysql://h/db", run={"speed": -1}, log={"level": "loud"})
    assert len(lines) == 4
    assert all(" — " in line and "\n" not in line for line in lines)


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [env for _, env in env_var_names(Settings) if f"`{env}`" not in text]
    assert not missing, f"add to docs/configuration.md: {missing}"
