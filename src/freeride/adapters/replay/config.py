"""What to replay: which files, as which symbol and interval, how fast, and how much missing time is
tolerated before a file is judged broken.

Everything is checked when the config is built, so a wrong setting fails before any file is read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

from freeride.core.clock import NS_PER_SECOND
from freeride.core.errors import ConfigError
from freeride.core.market import INTERVAL_SECONDS

# The longest silence between two consecutive bars that is still normal trading life. Intraday bars
# must bridge a weekend plus an adjoining holiday (the shipped EURUSD file's longest gap is 3 days
# 1 hour, over Christmas); daily stock bars must bridge the longest market closures (the shipped GOOG
# file's longest is 5 days; the 2001 closure after September 11 was exactly 7).
DEFAULT_MAX_GAP: dict[str, timedelta] = {
    "1m": timedelta(days=4),
    "5m": timedelta(days=4),
    "15m": timedelta(days=4),
    "30m": timedelta(days=4),
    "1h": timedelta(days=4),
    "4h": timedelta(days=4),
    "1d": timedelta(days=7),
    "1w": timedelta(days=21),
}

MaxGap = timedelta | None | Literal["default"]


@dataclass(frozen=True, slots=True)
class ReplaySource:
    """One file of bars for one symbol at one interval.

    ``max_gap`` is the longest allowed time between consecutive bars: ``"default"`` takes
    ``DEFAULT_MAX_GAP[interval]``, ``None`` disables the check.
    """

    path: Path
    symbol: str
    interval: str
    max_gap: MaxGap = "default"

    def __post_init__(self) -> None:
        if not self.symbol.strip():
            raise ConfigError(f"replay source {self.path}: symbol is empty")
        if self.interval not in INTERVAL_SECONDS:
            known = ", ".join(INTERVAL_SECONDS)
            raise ConfigError(f"replay source {self.path}: interval {self.interval!r} is not one of {known}")
        if isinstance(self.max_gap, timedelta) and self.max_gap <= timedelta(0):
            raise ConfigError(f"replay source {self.path}: max_gap must be positive, got {self.max_gap}")

    @property
    def gap_limit(self) -> timedelta | None:
        """The effective maximum gap, ``None`` when unchecked."""
        if self.max_gap == "default":
            return DEFAULT_MAX_GAP[self.interval]
        return self.max_gap

    @property
    def gap_limit_ns(self) -> int | None:
        limit = self.gap_limit
        if limit is None:
            return None
        return (limit.days * 86_400 + limit.seconds) * NS_PER_SECOND + limit.microseconds * 1_000


@dataclass(frozen=True, slots=True)
class ReplayConfig:
    """The files to replay together and the pace.

    ``speed`` 0 replays as fast as the consumer takes bars; ``speed`` N > 0 replays at N times real
    time (a day of daily bars every second is ``speed=86_400``).
    """

    sources: tuple[ReplaySource, ...]
    speed: float = 0.0

    def __post_init__(self) -> None:
        if not self.sources:
            raise ConfigError("replay: no sources given; name at least one data file")
        if not math.isfinite(self.speed) or self.speed < 0:
            raise ConfigError(f"replay: speed must be 0 (as fast as possible) or positive, got {self.speed}")
        seen: dict[tuple[str, str], Path] = {}
        for source in self.sources:
            key = (source.symbol, source.interval)
            if key in seen:
                raise ConfigError(
                    f"replay: {source.symbol} {source.interval} comes from both {seen[key]} and "
                    f"{source.path}; give each symbol and interval one file"
                )
            seen[key] = source.path
