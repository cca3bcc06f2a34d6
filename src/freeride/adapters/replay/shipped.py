"""The data files shipped inside the package, found through ``importlib.resources`` so they resolve
the same from a source checkout and from an installed wheel."""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

from freeride.adapters.replay.config import ReplaySource
from freeride.adapters.replay.parse import CSV_SUFFIXES, PARQUET_SUFFIXES
from freeride.core.errors import DataFileError

DATA_PACKAGE = "freeride.data"

# What each shipped file holds, so the embedded default can replay it without further settings.
SHIPPED_SOURCES: dict[str, tuple[str, str]] = {
    "GOOG_daily.csv": ("GOOG", "1d"),
    "EURUSD_hourly.csv": ("EUR/USD", "1h"),
}

_extracted = ExitStack()  # only used when the package is imported from a zip archive
atexit.register(_extracted.close)


def shipped_files() -> list[str]:
    """The names of the shipped data files, sorted."""
    suffixes = CSV_SUFFIXES + PARQUET_SUFFIXES
    root = resources.files(DATA_PACKAGE)
    return sorted(p.name for p in root.iterdir() if p.is_file() and p.name.lower().endswith(suffixes))


def shipped_path(name: str) -> Path:
    """The filesystem path of a shipped data file such as ``GOOG_daily.csv``.

    Raises ``DataFileError`` listing the available files when there is no file by that name.
    """
    resource = resources.files(DATA_PACKAGE).joinpath(name)
    if "/" in name or "\\" in name or name not in shipped_files():
        available = ", ".join(shipped_files()) or "(none)"
        raise DataFileError(name, None, f"no shipped data file by that name; available: {available}")
    if isinstance(resource, Path):
        return resource
    return _extracted.enter_context(resources.as_file(resource))


def shipped_source(name: str) -> ReplaySource:
    """A ``ReplaySource`` for a shipped file, with the symbol and interval it holds."""
    path = shipped_path(name)
    if name not in SHIPPED_SOURCES:
        raise DataFileError(
            name, None, "shipped, but its symbol and interval are not recorded; use ReplaySource"
        )
    symbol, interval = SHIPPED_SOURCES[name]
    return ReplaySource(path, symbol, interval)
