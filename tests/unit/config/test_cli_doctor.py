"""The ``doctor`` command: a table of checks, exit 0 when all pass and 1 otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from freeride.app.secrets import extra_secret_stores
from freeride.cli.doctor import register
from freeride.config.settings import Settings
from freeride.ports.secrets import SecretStore

WIDE = {"COLUMNS": "400"}


def make_app(**kwargs: object) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Group, so ``doctor`` is a subcommand as in the real CLI."""

    kwargs.setdefault("stores", extra_secret_stores)
    register(app, **kwargs)  # type: ignore[arg-type]
    return app


@pytest.fixture(autouse=True)
def local_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FREERIDE_DATABASE_URL", f"sqlite:///{tmp_path}/freeride.db")
    monkeypatch.setenv("FREERIDE_SECRETS__FILE", str(tmp_path / "secrets.json"))


def test_all_good_exits_zero() -> None:
    result = CliRunner().invoke(make_app(), ["doctor"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "✓" in result.output
    assert "All checks passed." in result.output
    # No OS keyring here (the fixture installs the fail backend): a warning, not a failure.
    assert "no OS keyring backend available" in result.output


def test_a_failed_check_exits_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_PROVIDERS__ENABLED", "replay,finnhub")
    result = CliRunner().invoke(make_app(), ["doctor"], env=WIDE)
    assert result.exit_code == 1, result.output
    assert "✗" in result.output
    assert "finnhub is enabled but has no API key" in result.output
    assert "set FREERIDE_PROVIDERS__FINNHUB_API_KEY" in result.output
    assert "1 check(s) failed." in result.output


def test_unreachable_database_exits_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_DATABASE_URL", "postgresql://u:pw-secret@127.0.0.1:1/db")
    result = CliRunner().invoke(make_app(), ["doctor", "--timeout", "2"], env=WIDE)
    assert result.exit_code == 1
    assert "cannot connect to postgresql+asyncpg://u:***@127.0.0.1:1/db" in result.output
    assert "pw-secret" not in result.output


def test_invalid_settings_are_printed_as_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_RUN__FAST", "50")
    monkeypatch.setenv("FREERIDE_BUS__BACKEN", "redis")
    result = CliRunner().invoke(make_app(), ["doctor"], env=WIDE)
    assert result.exit_code == 1
    assert "Settings are invalid:" in result.output
    assert "✗ bus.backen / FREERIDE_BUS__BACKEN: unknown setting — remove it" in result.output


def test_fast_slow_problem_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_RUN__FAST", "50")
    result = CliRunner().invoke(make_app(), ["doctor"], env=WIDE)
    assert result.exit_code == 1
    assert "✗ run.fast / FREERIDE_RUN__FAST: fast (50) must be smaller than slow (30) — " in result.output


def test_stores_factory_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Settings] = []

    class Vault:
        name = "keyring"
        writable = False

        def get(self, name: str) -> str | None:
            return "key" if name == "finnhub_api_key" else None

        def set(self, name: str, value: str) -> None:
            raise NotImplementedError

        def check(self) -> None:
            return None

    def stores(settings: Settings) -> Mapping[str, SecretStore]:
        seen.append(settings)
        return {"keyring": Vault()}

    monkeypatch.setenv("FREERIDE_PROVIDERS__ENABLED", "finnhub")
    result = CliRunner().invoke(make_app(stores=stores), ["doctor"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert len(seen) == 1
    assert "API key found in the secret store (finnhub_api_key)" in result.output
