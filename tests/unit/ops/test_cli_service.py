"""``freeride service install``: writes the unit where systemd looks, once, and says what next."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from freeride.cli.main import app
from freeride.config.paths import config_dir

WIDE = {"COLUMNS": "300"}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["service", "install", *args], env=WIDE)
    return result.exit_code, result.stdout, result.stderr


def test_install_a_user_unit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("--user")
    assert code == 0, err
    unit = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user" / "freeride.service"
    text = unit.read_text(encoding="utf-8")
    freeride = Path(sys.executable).absolute().with_name("freeride")
    assert f"ExecStart={freeride} live --serve\n" in text
    assert f"WorkingDirectory={tmp_path}\n" in text
    assert f"Environment=XDG_DATA_HOME={os.environ['XDG_DATA_HOME']}\n" in text
    env_file = config_dir() / "freeride.env"
    assert f"EnvironmentFile=-{env_file}\n" in text
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert f"wrote {unit}" in out
    assert "systemctl --user daemon-reload && systemctl --user enable --now freeride" in out
    assert "journalctl --user -u freeride -f" in out
    assert "loginctl enable-linger" in out
    code, _, err = invoke("--user")
    assert code == 1
    assert "exists" in err
    assert "--force" in err
    assert invoke("--user", "--force", "--command", "run")[0] == 0
    assert f"ExecStart={freeride} run\n" in unit.read_text(encoding="utf-8")


def test_an_existing_environment_file_is_kept(tmp_path: Path) -> None:
    env_file = config_dir() / "freeride.env"
    env_file.parent.mkdir(parents=True)
    env_file.write_text("FREERIDE_SECRET_X=1\n", encoding="utf-8")
    code, out, _ = invoke("--user", "--output", str(tmp_path / "u.service"))
    assert code == 0
    assert env_file.read_text(encoding="utf-8") == "FREERIDE_SECRET_X=1\n"
    assert "copy it to ~/.config/systemd/user/" in out


def test_print_writes_nothing(tmp_path: Path) -> None:
    code, out, _ = invoke("--print", "--name", "freeride-paper")
    assert code == 0
    assert out.startswith("# Written by `freeride service install`")
    assert "User=" in out
    assert "WantedBy=multi-user.target" in out
    assert not (config_dir() / "freeride.env").exists()


def test_a_system_unit_without_permission_says_what_to_do(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):
        pytest.skip(reason="root writes anywhere")
    code, _, err = invoke("--output", str(locked / "freeride.service"))
    assert code == 1
    assert "permission denied" in err
    assert "--user" in err
    assert "sudo tee" in err


def test_a_bad_name_is_refused() -> None:
    code, _, err = invoke("--user", "--name", "a b")
    assert code == 2
    assert "is not a unit name" in err
