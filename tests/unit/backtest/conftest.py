"""Fixtures of the backtest tests: the shipped files as bar arrays."""

from __future__ import annotations

import pytest

from freeride.adapters.replay import ReplaySource, load_source, shipped_path
from freeride.app.backtest import to_arrays
from freeride.strategies.directional import BarArrays


@pytest.fixture(scope="session")
def goog() -> BarArrays:
    return to_arrays(load_source(ReplaySource(shipped_path("GOOG_daily.csv"), "GOOG", "1d")))


@pytest.fixture(scope="session")
def eurusd() -> BarArrays:
    return to_arrays(load_source(ReplaySource(shipped_path("EURUSD_hourly.csv"), "EUR/USD", "1h")))
