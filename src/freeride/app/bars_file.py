"""Saving bars to CSV or Parquet in the shape the replay feed reads back.

Columns are ``time`` (ISO 8601, UTC) and ``open, high, low, close, volume``, so a file saved by
``freeride history`` can be replayed by ``freeride run`` without conversion.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from freeride.core.clock import ns_to_datetime
from freeride.core.errors import InvalidInput
from freeride.core.market import Bar

COLUMNS = ("time", "open", "high", "low", "close", "volume")


def write_bars(path: Path, bars: Sequence[Bar]) -> Path:
    """Write ``bars`` to ``path``; the suffix (``.csv`` or ``.parquet``) picks the format."""
    suffix = path.suffix.lower()
    rows = [(ns_to_datetime(b.ts_event).isoformat(), b.open, b.high, b.low, b.close, b.volume) for b in bars]
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(COLUMNS)
            writer.writerows(rows)
        return path
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)})
        pq.write_table(table, path)
        return path
    raise InvalidInput(f"{path}: unknown file type {suffix!r}; use .csv or .parquet")
