"""Finding the fields of a bar file by name, and saying why a file cannot be opened.

Shared by the CSV and the Parquet readers (``parse`` and ``parquet``), which both name a missing or
repeated column the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from freeride.core.errors import DataFileError

TIME_NAMES = ("time", "date", "datetime", "timestamp", "__index_level_0__")
_REQUIRED = ("open", "high", "low", "close")
FIELDS = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True, slots=True)
class Columns:
    """Positions of the fields in a row; ``volume`` is ``None`` when the file has none (read as 0)."""

    time: int
    open: int
    high: int
    low: int
    close: int
    volume: int | None


def find_columns(path: str, names: Sequence[str], header_line: int | None) -> Columns:
    """Match column names case-insensitively; the time column is the first column when it is unnamed,
    else the one called time, date, datetime or timestamp."""
    lowered = [name.strip().lower() for name in names]
    found: dict[str, int] = {}
    for index, name in enumerate(lowered):
        key = "time" if name in TIME_NAMES or (index == 0 and name == "") else name
        if key in found and key in ("time", *FIELDS):
            raise DataFileError(path, header_line, f"column {names[index]!r} appears twice in the header")
        found.setdefault(key, index)
    missing = [name for name in ("time", *_REQUIRED) if name not in found]
    if missing:
        shown = ", ".join(repr(name) for name in names)
        problem = f"missing column(s) {', '.join(missing)}; the columns found are {shown}"
        if "time" in missing:
            problem += " (the time column is the first, unnamed one, or one named time/date/datetime)"
        raise DataFileError(path, header_line, problem)
    return Columns(
        found["time"], found["open"], found["high"], found["low"], found["close"], found.get("volume")
    )


def open_error(path: Path, error: OSError) -> DataFileError:
    """The message for a file that cannot be opened, saying what to check."""
    if isinstance(error, FileNotFoundError):
        return DataFileError(str(path), None, "file not found")
    if isinstance(error, IsADirectoryError):
        return DataFileError(str(path), None, "is a directory, not a data file")
    if isinstance(error, PermissionError):
        return DataFileError(str(path), None, "permission denied; check the file's permissions")
    return DataFileError(str(path), None, f"cannot read the file: {error.strerror or error}")
