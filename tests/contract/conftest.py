"""The ``subject`` fixture: each adapter in turn, closed after its test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from contract_subjects import FACTORIES, NOW, Subject

from freeride.core.clock import ManualClock


@pytest.fixture(params=list(FACTORIES))
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    made = FACTORIES[request.param](ManualClock(NOW))
    yield made
    await made.adapter.aclose()
