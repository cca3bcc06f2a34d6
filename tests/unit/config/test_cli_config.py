"""``freeride config init`` writes a starter once; ``config show`` says what is in effect and whence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from freeride.cli.main import app
from freeride.config.paths import config_dir, data_dir

WIDE = {"COLUMNS": "300"}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=WIDE)
    return result.exit_code, result.stdout, result.stderr


def test_init_writes_the_starter_and_refuses_to_overwrite_it() -> None:
    code, out, _ = invoke("config", "init")
    target = config_dir() / "freeride.toml"
    assert code == 0
    assert f"wrote {target}" in out
    assert "[watchlists]" in target.read_text(encoding="utf-8")
    target.write_text("# mine\n", encoding="utf-8")
    code, _, err = invoke("config", "init")
    assert code == 1
    assert f"{target} exists" in err
    assert "--force" in err
    assert target.read_text(encoding="utf-8") == "# mine\n"
    code, _, _ = invoke("config", "init", "--force")
    assert code == 0
    assert "[watchlists]" in target.read_text(encoding="utf-8")


def test_init_to_a_path_and_to_freeride_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, _ = invoke("config", "init", "--path", str(tmp_path / "a" / "f.toml"))
    assert code == 0
    assert (tmp_path / "a" / "f.toml").is_file()
    monkeypatch.setenv("FREERIDE_CONFIG", str(tmp_path / "b.toml"))
    code, _, _ = invoke("config", "init")
    assert code == 0
    assert (tmp_path / "b.toml").is_file()


def test_init_says_when_another_file_is_read_instead(tmp_path: Path) -> None:
    (tmp_path / "freeride.toml").write_text("", encoding="utf-8")
    code, _, err = invoke("config", "init")
    assert code == 0
    assert f"{tmp_path / 'freeride.toml'} is read instead of it" in err


def test_show_names_the_source_of_each_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    invoke("config", "init")
    (tmp_path / ".env").write_text("FREERIDE_RUN__FAST=4\n", encoding="utf-8")
    monkeypatch.setenv("FREERIDE_RUN__SPEED", "6")
    monkeypatch.setenv("FREERIDE_EXECUTION", '{"account": "main"}')
    code, out, _ = invoke("config", "show", "--json")
    assert code == 0
    rows = json.loads(out)
    toml = str((config_dir() / "freeride.toml").resolve())
    assert rows["watchlists"] == {"value": {"default": ["AAPL", "MSFT", "EUR/USD"]}, "from": toml}
    assert rows["execution.broker"]["from"] == toml
    assert rows["run.speed"] == {"value": 6.0, "from": "environment (FREERIDE_RUN__SPEED)"}
    assert rows["run.fast"]["from"] == f".env file {(tmp_path / '.env').resolve()} (FREERIDE_RUN__FAST)"
    assert rows["execution.account"] == {"value": "main", "from": "environment (FREERIDE_EXECUTION)"}
    assert rows["run.slow"] == {"value": 30, "from": "default"}
    assert rows["database_url"]["value"] == f"sqlite+aiosqlite:///{data_dir() / 'freeride.db'}"


def test_show_masks_secrets_wherever_they_come_from(monkeypatch: pytest.MonkeyPatch) -> None:
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "freeride.toml").write_text(
        '[providers]\nfinnhub_api_key = "fh-very-secret-key"\n'
        '[notify.discord]\nops = "https://discord.com/api/webhooks/1/discord-token-secret"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("FREERIDE_DATABASE_URL", "postgresql://me:db-password-secret@127.0.0.1/x")
    code, out, _ = invoke("config", "show")
    assert code == 0
    for secret in ("fh-very-secret-key", "discord-token-secret", "db-password-secret"):
        assert secret not in out
    assert "providers.finnhub_api_key" in out
    assert "**********" in out
    assert "postgresql+asyncpg://me:***@127.0.0.1/x" in out
    assert "settings file: " in out


def test_show_reports_bad_settings_with_exit_two() -> None:
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "freeride.toml").write_text("[bus]\nbackend = 'carrier-pigeon'\n", encoding="utf-8")
    code, _, err = invoke("config", "show")
    assert code == 2
    assert "freeride.toml: bus.backend" in err
