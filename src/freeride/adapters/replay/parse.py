"""Bar files to validated ``BarSeries``: find the columns, read CSV rows, hand Parquet to its reader.

Every problem becomes a ``DataFileError`` naming the file, the line (as an editor numbers it, the
header being line 1) and what is wrong, and the first one stops the load: a file is used whole or
not at all.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from freeride.adapters.replay.columns import FIELDS, find_columns, open_error
from freeride.adapters.replay.config import ReplaySource
from freeride.adapters.replay.series import BarSeries, SeriesBuilder, bad_number
from freeride.adapters.replay.timestamps import text_to_ns
from freeride.core.errors import DataFileError

if TYPE_CHECKING:
    from _csv import Reader

CSV_SUFFIXES = (".csv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")


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
            raise bad_number(path, reader.line_num, FIELDS, [row[i] for i in indexes]) from None
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
