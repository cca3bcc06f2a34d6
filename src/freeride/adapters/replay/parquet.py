"""Parquet files of bars, read with pyarrow (imported here only, so CSV users never pay for it).

Parquet has no header line, so the line in an error is the 1-based row number. Typed columns are
converted whole by Arrow; text columns go through the same per-value parsing as CSV, so a bad value
is reported with its row either way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from freeride.adapters.replay.columns import FIELDS, find_columns, open_error
from freeride.adapters.replay.series import BarSeries, SeriesBuilder, bad_number
from freeride.adapters.replay.timestamps import epoch_to_ns, text_to_ns
from freeride.core.errors import DataFileError

_UNIT_NS = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
_DAY_NS = 86_400 * 1_000_000_000


def _identity(value: int) -> int:
    return value


def _time_column(path: str, name: str, column: Any) -> tuple[list[Any], Callable[[Any], int]]:
    """The time values and the function turning one into ns, chosen by the column's Arrow type."""
    kind = column.type
    if pa.types.is_timestamp(kind):  # stored as UTC instants (naive: wall time, which we take as UTC)
        factor = _UNIT_NS[kind.unit]
        return [None if v is None else v * factor for v in column.cast(pa.int64()).to_pylist()], _identity
    if pa.types.is_date32(kind):
        return [None if v is None else v * _DAY_NS for v in column.cast(pa.int32()).to_pylist()], _identity
    if pa.types.is_date64(kind):
        return [None if v is None else v * 1_000_000 for v in column.cast(pa.int64()).to_pylist()], _identity
    if pa.types.is_integer(kind):
        return column.to_pylist(), epoch_to_ns
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column.to_pylist(), text_to_ns
    raise DataFileError(
        path,
        None,
        f"time column {name!r} has type {kind}; expected a timestamp, a date, text or epoch integers",
    )


def _number_column(path: str, name: str, column: Any) -> list[Any]:
    kind = column.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return list(column.cast(pa.float64()).to_pylist())
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return list(column.to_pylist())
    raise DataFileError(path, None, f"column {name!r} has type {kind}; expected numbers")


def read_parquet(path: Path, symbol: str, interval: str, max_gap_ns: int | None) -> BarSeries:
    """Parse a Parquet file of bars; the first error stops the load."""
    shown = str(path)
    try:
        with path.open("rb"):
            pass
    except OSError as error:
        raise open_error(path, error) from error
    if path.stat().st_size == 0:
        raise DataFileError(shown, 1, "file is empty")
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        raise DataFileError(shown, None, f"is not a readable Parquet file: {error}") from error
    names = table.column_names
    cols = find_columns(shown, names, None)
    if table.num_rows == 0:
        raise DataFileError(shown, None, "has columns but no rows")
    times, to_ns = _time_column(shown, names[cols.time], table.column(cols.time))
    indexes = [cols.open, cols.high, cols.low, cols.close]
    columns = [_number_column(shown, names[i], table.column(i)) for i in indexes]
    if cols.volume is None:
        columns.append([0.0] * table.num_rows)
    else:
        columns.append(_number_column(shown, names[cols.volume], table.column(cols.volume)))
    builder = SeriesBuilder(shown, symbol, interval, max_gap_ns)
    for line, (t, o, h, lo, c, v) in enumerate(zip(times, *columns, strict=True), start=1):
        if t is None:
            raise DataFileError(shown, line, "time is empty")
        try:
            ts = to_ns(t)
        except ValueError:
            raise DataFileError(shown, line, f"time {t!r} is not a date, a date-time or an epoch") from None
        try:
            numbers = float(o), float(h), float(lo), float(c), float(v)
        except (TypeError, ValueError):
            raise bad_number(shown, line, FIELDS, [o, h, lo, c, v]) from None
        builder.add(line, ts, *numbers)
    return builder.finish(table.num_rows)
