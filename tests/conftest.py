"""Test-wide settings: no test may depend on the developer's own FREERIDE_* environment."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _clean_freeride_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("FREERIDE_")]:
        monkeypatch.delenv(key)
