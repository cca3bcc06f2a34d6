"""Where freeride keeps its files when told nothing: the user's data and config folders.

A database in the current folder (``./freeride.db``) meant a command run from another folder
silently started a new, empty one. The defaults live in the folders the platform sets aside for
an application (``platformdirs``: ``~/.local/share/freeride`` and ``~/.config/freeride`` on Linux,
honouring ``XDG_DATA_HOME`` and ``XDG_CONFIG_HOME``), so every command, from any folder, as a
service or by hand, sees the same data. An explicit ``FREERIDE_DATABASE_URL`` or ``--db`` wins.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP = "freeride"
CONFIG_FILE_NAME = "freeride.toml"
CONFIG_ENV = "FREERIDE_CONFIG"


def data_dir() -> Path:
    """The user's data folder for freeride (the default database lives here)."""
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def cache_dir() -> Path:
    """Where freeride keeps what it can rebuild (exchange calendars): ``~/.cache/freeride``."""
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def config_dir() -> Path:
    """The user's config folder for freeride (``freeride.toml``, ``freeride.env``)."""
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def default_database_path() -> Path:
    return data_dir() / "freeride.db"


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{default_database_path()}"


def user_config_file() -> Path:
    return config_dir() / CONFIG_FILE_NAME


def config_file(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path | None:
    """The settings file to read, or ``None`` when there is none.

    ``FREERIDE_CONFIG`` names it outright (it must then exist: the caller reports a missing one);
    otherwise ``./freeride.toml``, then ``freeride.toml`` in the user's config folder.
    """
    env = os.environ if environ is None else environ
    chosen = env.get(CONFIG_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    here = (cwd or Path.cwd()) / CONFIG_FILE_NAME
    if here.is_file():
        return here
    user = user_config_file()
    return user if user.is_file() else None


def init_target(environ: Mapping[str, str] | None = None) -> Path:
    """Where ``freeride config init`` writes: ``FREERIDE_CONFIG`` when set, else the user's folder."""
    env = os.environ if environ is None else environ
    chosen = env.get(CONFIG_ENV, "").strip()
    return Path(chosen).expanduser() if chosen else user_config_file()
