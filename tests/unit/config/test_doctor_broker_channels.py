"""doctor fails offline when the configured broker cannot work or a channel named anywhere does
not exist; each failure says how to fix it, and the exit code is 1."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from freeride.app.doctor_local import local_checks
from freeride.app.secrets import extra_secret_stores
from freeride.cli.doctor import register
from freeride.config.settings import load_settings
from freeride.core.alerts import AlertKind, AlertRule
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import AlertRepository

WIDE = {"COLUMNS": "400"}
HOOK = json.dumps({"alerts": "https://discord.test/api/webhooks/1/tok"})


def doctor() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Group, so ``doctor`` is a subcommand as in the real CLI."""

    register(app, stores=extra_secret_stores, local=local_checks)
    return app


@pytest.fixture(autouse=True)
def local_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("FREERIDE_DATABASE_URL", f"sqlite:///{tmp_path}/freeride.db")
    monkeypatch.setenv("FREERIDE_SECRETS__FILE", str(tmp_path / "secrets.json"))
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", "env,file")
    return tmp_path


def run() -> tuple[int, str]:
    result = CliRunner().invoke(doctor(), ["doctor"], env=WIDE)
    return result.exit_code, result.output


def test_alpaca_without_keys_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The regression: this used to say "All checks passed"."""
    monkeypatch.setenv("FREERIDE_EXECUTION__BROKER", "alpaca")
    code, output = run()
    assert code == 1, output
    assert "All checks passed" not in output
    assert "alpaca needs alpaca_key_id and alpaca_secret_key, and neither is set" in output
    assert "FREERIDE_EXECUTION__ALPACA__KEY_ID" in output
    monkeypatch.setenv("FREERIDE_EXECUTION__ALPACA__KEY_ID", "PKTEST")
    code, output = run()
    assert code == 1
    assert "alpaca needs alpaca_secret_key, which is not set" in output
    monkeypatch.setenv("FREERIDE_SECRET_ALPACA_SECRET_KEY", "secret")
    code, output = run()
    assert code == 0, output
    assert "alpaca (paper): key id and secret key found" in output


def test_robinhood_without_a_stored_session_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FREERIDE_EXECUTION__BROKER", "robinhood")
    code, output = run()
    assert code == 1, output
    assert "robinhood has no stored session" in output
    assert "freeride broker login robinhood" in output
    (tmp_path / "secrets.json").write_text(json.dumps({"robinhood_tokens": "not json"}))
    (tmp_path / "secrets.json").chmod(0o600)
    code, output = run()
    assert code == 1
    assert "the stored robinhood session cannot be read" in output
    tokens = {"access_token": "a", "refresh_token": "r", "expires_at_ns": 1, "device_token": "d"}
    (tmp_path / "secrets.json").write_text(json.dumps({"robinhood_tokens": json.dumps(tokens)}))
    code, output = run()
    assert code == 0, output
    assert "robinhood: a stored session" in output


def test_paper_needs_nothing() -> None:
    code, output = run()
    assert code == 0, output
    assert "paper: simulated fills, no account needed" in output


def test_default_channels_that_do_not_exist_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_ALERTS__DEFAULT_NOTIFY", "discord,telegram")
    code, output = run()
    assert code == 1, output
    assert "alerts.default_notify names channel 'discord', 'telegram', which is not configured" in output
    assert "no channel is configured" in output
    monkeypatch.setenv("FREERIDE_NOTIFY__DISCORD", HOOK)
    code, output = run()
    assert code == 1
    assert "names channel 'discord', 'telegram'" in output
    assert "configured: alerts" in output
    monkeypatch.setenv("FREERIDE_ALERTS__DEFAULT_NOTIFY", "alerts")
    assert run()[0] == 0


def test_stored_alerts_naming_missing_channels_fail(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    async def seed() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/freeride.db")
        await upgrade_engine(engine)
        repo = AlertRepository(engine)
        await repo.add(
            AlertRule(id="al_1", symbol="AAPL", kind=AlertKind.ABOVE, threshold=1, notify=("tg",)), 1
        )
        await repo.add(AlertRule(id="al_2", symbol="AAPL", kind=AlertKind.ABOVE, threshold=2), 1)
        await engine.dispose()

    asyncio.run(seed())
    monkeypatch.setenv("FREERIDE_NOTIFY__DISCORD", HOOK)
    code, output = run()
    assert code == 1, output
    assert "alert al_1 notifies channel 'tg', which is not configured" in output
    assert "freeride alerts rm al_1" in output


def test_settings_symbols_that_look_like_typos_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_WATCHLISTS", json.dumps({"fx": ["EURUSD"], "space": ["RKLBX"]}))
    monkeypatch.setenv("FREERIDE_SLEEVES", json.dumps([{"symbol": "AAPLL", "quantity": "1"}]))
    code, output = run()
    assert code == 1, output
    assert "sleeves[0].symbol" in output
    assert "did you mean AAPL" in output
    assert "watchlists.fx" in output
    assert "did you mean EUR/USD" in output
    # no close match: maybe a real ticker outside the shipped list, so a warning only
    assert "RKLBX is not in the shipped list" in output


def test_the_offline_checks_read_nothing_when_there_is_no_database(tmp_path: Path) -> None:
    settings = load_settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/none.db")
    results = asyncio.run(local_checks(settings))
    assert all(r.ok for r in results)
    assert not (tmp_path / "none.db").exists()
