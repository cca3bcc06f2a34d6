"""Test-wide settings: no test may depend on the developer's own FREERIDE_* environment, and no
test leaves its logging set-up behind for the next one."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest
import structlog

from freeride.ops.logging import HANDLER_NAME


@pytest.fixture(autouse=True)
def _clean_freeride_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("FREERIDE_")]:
        monkeypatch.delenv(key)


@pytest.fixture(autouse=True)
def _own_user_folders(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test has its own data, config and cache folders (the default database and ``freeride.toml``
    live there), so no test reads or writes the developer's own, and no two tests share one."""
    base = tmp_path_factory.mktemp("user")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(base / name.removeprefix("XDG_").removesuffix("_HOME").lower()))


@pytest.fixture(autouse=True)
def _forget_logging_setup() -> Iterator[None]:
    """A CLI test configures logging onto its runner's stream, which closes when the test ends;
    left on the root logger, that handler would report "--- Logging error ---" into later tests."""
    root = logging.getLogger()
    level = root.level
    yield
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    root.setLevel(level)
    structlog.reset_defaults()
