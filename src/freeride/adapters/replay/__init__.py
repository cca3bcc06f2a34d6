"""Replay adapter: recorded bar files (CSV, Parquet) played back as a ``BarFeed``.

The same feed drives backtests (as fast as possible, on a manual clock) and demos (at N times real
time, on the live clock).
"""

from freeride.adapters.replay.config import DEFAULT_MAX_GAP, ReplayConfig, ReplaySource
from freeride.adapters.replay.data import ReplayFeed
from freeride.adapters.replay.parse import load_source
from freeride.adapters.replay.series import BarSeries
from freeride.adapters.replay.shipped import SHIPPED_SOURCES, shipped_files, shipped_path, shipped_source

__all__ = [
    "DEFAULT_MAX_GAP",
    "SHIPPED_SOURCES",
    "BarSeries",
    "ReplayConfig",
    "ReplayFeed",
    "ReplaySource",
    "load_source",
    "shipped_files",
    "shipped_path",
    "shipped_source",
]
