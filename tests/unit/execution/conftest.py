"""Fixtures of the execution tests (helpers live in ``execution_desk``)."""

from __future__ import annotations

import pytest
from execution_desk import Desk, make_desk


@pytest.fixture
def desk() -> Desk:
    return make_desk()
