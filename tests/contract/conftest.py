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


@pytest.fixture(params=[name for name in FACTORIES if name != "simulator"])
async def wire_subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    """The adapters that speak to a server, whose replies a fake can corrupt."""
    made = FACTORIES[request.param](ManualClock(NOW))
    assert made.fake is not None
    yield made
    await made.adapter.aclose()
