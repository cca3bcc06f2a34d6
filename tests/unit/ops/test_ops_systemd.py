"""The systemd unit: what it runs, how it restarts and stops, and that systemd itself accepts it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from freeride.ops.systemd import UnitSpec, pinned_environment, render, unit_dir

FREERIDE = str(Path(sys.executable).absolute().with_name("freeride"))


def parse(text: str) -> dict[str, dict[str, list[str]]]:
    """Sections → key → values (systemd allows a key more than once, as Environment= is)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def spec(tmp_path: Path, **changes: object) -> UnitSpec:
    values: dict[str, object] = {
        "argv": [FREERIDE, "live", "--serve"],
        "working_dir": tmp_path,
        "env_file": tmp_path / "cfg" / "freeride.env",
        "user": True,
    }
    values.update(changes)
    return UnitSpec(**values)  # type: ignore[arg-type]


def verify(tmp_path: Path, text: str, name: str = "freeride.service") -> subprocess.CompletedProcess[str]:
    unit = tmp_path / name
    unit.write_text(text, encoding="utf-8")
    return subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=30, check=False
    )


def test_a_user_unit(tmp_path: Path) -> None:
    unit = parse(render(spec(tmp_path)))
    service = unit["Service"]
    assert service["ExecStart"] == [f"{FREERIDE} live --serve"]
    assert service["WorkingDirectory"] == [str(tmp_path)]
    assert service["EnvironmentFile"] == [f"-{tmp_path / 'cfg' / 'freeride.env'}"]
    assert service["Restart"] == ["on-failure"]
    assert service["KillSignal"] == ["SIGTERM"]
    assert service["Type"] == ["simple"]
    assert "PYTHONUNBUFFERED=1" in service["Environment"]
    assert "User" not in service
    assert unit["Install"]["WantedBy"] == ["default.target"]
    assert "After" not in unit["Unit"]  # a user manager has no network-online.target


def test_a_system_unit_runs_as_its_user_after_the_network(tmp_path: Path) -> None:
    unit = parse(render(spec(tmp_path, user=False, run_as="trader")))
    assert unit["Service"]["User"] == ["trader"]
    assert unit["Unit"]["After"] == ["network-online.target"]
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


def test_awkward_paths_and_arguments_are_quoted(tmp_path: Path) -> None:
    odd = tmp_path / "my 100% $HOME"
    text = render(
        spec(
            tmp_path,
            argv=[FREERIDE, "live", "--db", 'sqlite:///a b/"x".db'],
            working_dir=odd,
            environment={"XDG_DATA_HOME": "/data/with space"},
        )
    )
    service = parse(text)["Service"]
    assert service["WorkingDirectory"] == [f"{tmp_path}/my 100%% $HOME"]
    assert service["ExecStart"] == [f'{FREERIDE} live --db "sqlite:///a b/\\"x\\".db"']
    assert '"XDG_DATA_HOME=/data/with space"' in service["Environment"]


def test_the_unit_name_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not a unit name"):
        spec(tmp_path, name="free ride")


def test_unit_folders_and_pinned_variables() -> None:
    assert unit_dir(False) == Path("/etc/systemd/system")
    assert unit_dir(True, {"XDG_CONFIG_HOME": "/c"}) == Path("/c/systemd/user")
    assert unit_dir(True, {"HOME": "/home/t"}) == Path("/home/t/.config/systemd/user")
    env = {"XDG_DATA_HOME": "/d", "FREERIDE_CONFIG": "", "PATH": "/bin"}
    assert pinned_environment(env) == {"XDG_DATA_HOME": "/d"}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("user", [True, False])
def test_systemd_accepts_the_unit(tmp_path: Path, user: bool) -> None:
    text = render(spec(tmp_path, user=user, run_as=None if user else "root", environment={"A": "b c"}))
    checked = verify(tmp_path, text)
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.strip() == "", checked.stderr  # not even a warning


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_check_catches_a_broken_unit(tmp_path: Path) -> None:
    """The verification above can fail: a unit whose program is missing is refused."""
    text = render(spec(tmp_path, argv=[str(tmp_path / "no-such-freeride"), "live"]))
    checked = verify(tmp_path, text)
    assert checked.returncode != 0
    assert "no-such-freeride" in checked.stderr
