"""``freeride.toml``: found in its places, overridden by the environment, strict about its keys."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from freeride.config.paths import config_dir, config_file, data_dir
from freeride.config.settings import InvalidSettings, load_settings
from freeride.config.starter import starter_text


def user_file(text: str) -> Path:
    path = config_dir() / "freeride.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lines_of(**overrides: object) -> list[str]:
    with pytest.raises(InvalidSettings) as caught:
        load_settings(**overrides)
    return caught.value.lines


def test_the_default_database_is_in_the_user_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = data_dir() / "freeride.db"
    assert str(expected).startswith(os.environ["XDG_DATA_HOME"])
    assert load_settings().database_url == f"sqlite+aiosqlite:///{expected}"
    monkeypatch.setenv("FREERIDE_DATABASE_URL", "sqlite:///./here.db")
    assert load_settings().database_url == "sqlite+aiosqlite:///./here.db"
    assert load_settings(database_url="sqlite:///cli.db").database_url == "sqlite+aiosqlite:///cli.db"


def test_no_file_anywhere_is_fine() -> None:
    assert config_file() is None
    assert load_settings().watchlists == {}


def test_the_user_file_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    user_file('[watchlists]\ntech = ["aapl", "MSFT", "eur/usd"]\n[run]\nspeed = 5\n')
    settings = load_settings()
    assert settings.watchlists == {"tech": ["AAPL", "MSFT", "EUR/USD"]}
    assert settings.run.speed == 5


def test_the_file_in_this_folder_comes_before_the_user_file(tmp_path: Path) -> None:
    user_file("[run]\nspeed = 5\n")
    (tmp_path / "freeride.toml").write_text("[run]\nspeed = 7\n", encoding="utf-8")
    assert config_file() == tmp_path / "freeride.toml"
    assert load_settings().run.speed == 7


def test_freeride_config_chooses_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "freeride.toml").write_text("[run]\nspeed = 7\n", encoding="utf-8")
    chosen = tmp_path / "elsewhere.toml"
    chosen.write_text("[run]\nspeed = 9\n", encoding="utf-8")
    monkeypatch.setenv("FREERIDE_CONFIG", str(chosen))
    assert load_settings().run.speed == 9


def test_a_chosen_file_that_does_not_exist_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FREERIDE_CONFIG", str(tmp_path / "nope.toml"))
    (line,) = lines_of()
    assert line.startswith(f"{tmp_path / 'nope.toml'}: does not exist — ")
    assert "freeride config init" in line


def test_environment_and_dotenv_override_the_file(
    monkeypatch: pytest.MonkeyPatch, write_env: object, tmp_path: Path
) -> None:
    user_file('database_url = "sqlite:///file.db"\n[run]\nspeed = 5\nfast = 3\n[bus]\nqueue_size = 10\n')
    (tmp_path / ".env").write_text("FREERIDE_RUN__FAST=4\nFREERIDE_BUS__QUEUE_SIZE=20\n", encoding="utf-8")
    monkeypatch.setenv("FREERIDE_RUN__SPEED", "6")
    monkeypatch.setenv("FREERIDE_BUS__QUEUE_SIZE", "30")
    settings = load_settings()
    assert (settings.run.speed, settings.run.fast, settings.bus.queue_size) == (6, 4, 30)
    assert settings.database_url == "sqlite+aiosqlite:///file.db"


def test_the_json_variable_form_still_works_beside_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    user_file('[watchlists]\ntech = ["AAPL"]\n')
    monkeypatch.setenv("FREERIDE_WATCHLISTS", '{"fx": ["EUR/USD"]}')
    monkeypatch.setenv(
        "FREERIDE_SLEEVES", '[{"symbol": "GOOG", "quantity": 5, "params": {"fast": 5, "slow": 20}}]'
    )
    settings = load_settings()
    assert settings.watchlists == {"tech": ["AAPL"], "fx": ["EUR/USD"]}
    assert [s.name for s in settings.trading_sleeves()] == ["sma_cross:GOOG"]


def test_unknown_keys_are_refused_with_the_file_and_key_named() -> None:
    path = user_file(
        '[providers]\nenabeld = ["yahoo"]\n[[sleeves]]\nsymbol = "AAPL"\nquantity = 1\nstrat = "x"\n'
        "[nonsense]\na = 1\n"
    )
    lines = lines_of()
    assert lines == [
        f"{path}: providers.enabeld: unknown key — remove it or rename it (did you mean 'enabled'?)",
        f"{path}: sleeves[0].strat: unknown key — remove it or rename it (did you mean 'strategy'?)",
        f"{path}: nonsense: unknown key — remove it or rename it (valid keys here: "
        + lines[2].split("valid keys here: ")[1],
    ]
    assert "database_url" in lines[2]


def test_a_bad_value_in_the_file_names_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    path = user_file('[providers]\nenabled = ["yahooo"]\n[run]\nspeed = -1\n')
    monkeypatch.setenv("FREERIDE_RUN__SPEED", "-2")
    lines = lines_of()
    assert f"{path}: providers.enabled: unknown provider 'yahooo' — " in lines[0]
    # The environment's value is the one in effect: the fix goes there, not in the file.
    assert lines[1].startswith("run.speed / FREERIDE_RUN__SPEED: speed must be ≥ 0, got -2")


def test_syntax_errors_name_the_file_and_line() -> None:
    path = user_file("[run]\nspeed = 5\nfast = ten\n")
    (line,) = lines_of()
    assert line.startswith(f"{path}: ")
    assert "line 3" in line


def test_the_starter_is_valid_settings() -> None:
    user_file(starter_text())
    settings = load_settings()
    assert settings.watchlists == {"default": ["AAPL", "MSFT", "EUR/USD"]}
    assert settings.execution.broker == "paper"
    assert str(data_dir()) in starter_text()


def test_the_starter_examples_are_valid_when_uncommented() -> None:
    """Every commented example, switched on (the first of alternatives for one key), still loads."""
    lines: list[str] = []
    seen: set[str] = set()
    for line in starter_text().splitlines():
        body = line.removeprefix("# ")
        if line.startswith("# ") and _is_toml(body):
            key = body.split("=", 1)[0].strip()
            if body.startswith("["):
                seen.clear()
            elif key in seen:
                continue  # an alternative value for a key already switched on
            seen.add(key)
            lines.append(body)
        else:
            if line.startswith("["):
                seen.clear()
            lines.append(line)
    user_file("\n".join(lines) + "\n")
    settings = load_settings()
    assert [s.name for s in settings.sleeves] == ["sma_cross:AAPL", "sma_cross:EUR/USD"]
    assert settings.notify.channels == ["discord", "mine"]
    assert settings.alerts.default_notify == ["discord"]
    assert settings.providers.enabled == ["replay", "finnhub", "yahoo"]
    assert settings.api.port == 8000


def _is_toml(text: str) -> bool:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return bool(text.strip())
