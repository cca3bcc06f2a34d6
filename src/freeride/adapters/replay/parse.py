"""Bar files to validated ``BarSeries``: find the columns, read CSV rows, hand Parquet to its reader.

Every problem becomes a ``DataFileError`` naming the file, the line (as an editor numbers it, the
header being line 1) and what is wrong, and the first one stops the load: a file is used whole or
not at all.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from freeride.adapters.replay.config import ReplaySource
from freeride.adapters.replay.series import BarSeries, SeriesBuilder, bad_number
from freeride.adapters.replay.timestamps import text_to_ns
from freeride.core.errors import DataFileError

if TYPE_CHECKING:
    from _csv import Reader

TIME_NAMES = ("time", "date", "datetime", "timestamp", "__index_level_0__")
_REQUIRED = ("open", "high", "low", "close")
CSV_SUFFIXES = (".csv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
_FIELDS = ("open", "high", "low", "close", "volume")


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
        if key in found and key in ("time", *_FIELDS):
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


def load_source(source: ReplaySource) -> BarSeries:
    """Read and check one source's file, choosing the reader by the file's suffix."""
    suffix = source.path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv(source.path, source.symbol, source.interval, source.gap_limit_ns)
    if suffix in PARQUET_SUFFIXES:
        from freeride.adapters.replay.parquet import read_parquet  # pyarrow is heavy: only when needed

        return read_parquet(source.path, source.symbol, source.interval, source.gap_limit_ns)
    known = ", ".join(CSV_SUFFIXES + PARQUET_SUFFIXES)
    raise DataFileError(str(source.path), None, f"unknown file type {suffix or '(none)'!r}; use {known}")


def read_csv(path: Path, symbol: str, interval: str, max_gap_ns: int | None) -> BarSeries:
    """Parse a CSV of bars with a header row; blank lines are skipped."""
    shown = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise open_error(path, error) from error
    with handle:
        reader = csv.reader(handle)
        try:
            return _read_rows(shown, reader, symbol, interval, max_gap_ns)
        except csv.Error as error:
            raise DataFileError(shown, reader.line_num, f"malformed CSV: {error}") from error
        except UnicodeDecodeError as error:
            raise DataFileError(shown, _undecodable_line(path), "is not UTF-8 text") from error
        except OSError as error:
            raise open_error(path, error) from error


def _read_rows(path: str, reader: Reader, symbol: str, interval: str, max_gap_ns: int | None) -> BarSeries:
    header: list[str] = []
    for header in reader:
        if header:
            break
    if not header:
        raise DataFileError(path, 1, "file is empty")
    cols = find_columns(path, header, reader.line_num)
    it, io, ih, il, ic, iv = cols.time, cols.open, cols.high, cols.low, cols.close, cols.volume
    width = len(header)
    builder = SeriesBuilder(path, symbol, interval, max_gap_ns)
    add = builder.add
    for row in reader:
        if len(row) != width:
            if not row:
                continue
            raise DataFileError(path, reader.line_num, f"has {len(row)} fields, the header has {width}")
        try:
            ts = text_to_ns(row[it])
        except ValueError:
            raise DataFileError(
                path, reader.line_num, f"time {row[it]!r} is not a date, a date-time or an epoch number"
            ) from None
        try:
            o, h, lo, c = float(row[io]), float(row[ih]), float(row[il]), float(row[ic])
            v = 0.0 if iv is None else float(row[iv])
        except ValueError:
            indexes = [io, ih, il, ic] if iv is None else [io, ih, il, ic, iv]
            raise bad_number(path, reader.line_num, _FIELDS, [row[i] for i in indexes]) from None
        add(reader.line_num, ts, o, h, lo, c, v)
    return builder.finish(reader.line_num)


def _undecodable_line(path: Path) -> int | None:
    """The line of the first byte that is not UTF-8 (text is decoded in blocks, so find it again)."""
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return data.count(b"\n", 0, error.start) + 1
    except OSError:
        return None
    return None
