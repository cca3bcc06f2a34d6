"""Replay settings are checked when built; shipped files resolve through the package."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest

from freeride.adapters.replay import (
    DEFAULT_MAX_GAP,
    ReplayConfig,
    ReplayFeed,
    ReplaySource,
    shipped_files,
    shipped_path,
    shipped_source,
)
from freeride.core.clock import ManualClock
from freeride.core.errors import ConfigError, DataFileError
from freeride.core.market import INTERVAL_SECONDS

SOURCE = ReplaySource(Path("a.csv"), "AAA", "1d")


def test_every_interval_has_a_default_gap_longer_than_a_bar() -> None:
    assert set(DEFAULT_MAX_GAP) == set(INTERVAL_SECONDS)
    for interval, gap in DEFAULT_MAX_GAP.items():
        assert gap > timedelta(seconds=INTERVAL_SECONDS[interval])


def test_gap_limit_default_custom_and_off() -> None:
    assert SOURCE.gap_limit == timedelta(days=7)
    assert SOURCE.gap_limit_ns == 7 * 86_400 * 1_000_000_000
    assert ReplaySource(Path("a.csv"), "A", "1h", timedelta(hours=5)).gap_limit == timedelta(hours=5)
    assert ReplaySource(Path("a.csv"), "A", "1h", None).gap_limit_ns is None


def test_unknown_interval() -> None:
    with pytest.raises(ConfigError, match=r"a.csv: interval '1y' is not one of 1m, 5m"):
        ReplaySource(Path("a.csv"), "AAA", "1y")


def test_empty_symbol() -> None:
    with pytest.raises(ConfigError, match="symbol is empty"):
        ReplaySource(Path("a.csv"), " ", "1d")


def test_non_positive_max_gap() -> None:
    with pytest.raises(ConfigError, match="max_gap must be positive"):
        ReplaySource(Path("a.csv"), "AAA", "1d", timedelta(0))


@pytest.mark.parametrize("speed", [-1.0, math.nan, math.inf])
def test_bad_speed(speed: float) -> None:
    with pytest.raises(ConfigError, match="speed must be 0"):
        ReplayConfig((SOURCE,), speed)
    with pytest.raises(ConfigError, match="speed must be 0"):
        ReplayFeed([SOURCE], ManualClock(), speed)


def test_no_sources() -> None:
    with pytest.raises(ConfigError, match="no sources"):
        ReplayFeed([], ManualClock())


def test_same_symbol_and_interval_twice() -> None:
    with pytest.raises(ConfigError, match=r"AAA 1d comes from both a.csv and b.csv"):
        ReplayConfig((SOURCE, ReplaySource(Path("b.csv"), "AAA", "1d")))


def test_shipped_files_are_found() -> None:
    assert shipped_files() == ["EURUSD_hourly.csv", "GOOG_daily.csv"]
    path = shipped_path("GOOG_daily.csv")
    assert path.is_file()
    assert path.read_text().startswith(",Open,High,Low,Close,Volume")
    source = shipped_source("EURUSD_hourly.csv")
    assert (source.symbol, source.interval, source.path.name) == ("EUR/USD", "1h", "EURUSD_hourly.csv")


@pytest.mark.parametrize("name", ["GOOG.csv", "../data/GOOG_daily.csv", "__init__.py"])
def test_unknown_shipped_file_lists_the_available_ones(name: str) -> None:
    with pytest.raises(
        DataFileError, match=r"no shipped data file .*available: EURUSD_hourly.csv, GOOG_daily.csv"
    ):
        shipped_path(name)
