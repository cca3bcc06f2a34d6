"""Parquet bar files: the same rules as CSV, with the row number as the line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from freeride.adapters.replay import ReplaySource, load_source, shipped_source
from freeride.adapters.replay.series import BarSeries
from freeride.core.clock import NS_PER_SECOND
from freeride.core.errors import DataFileError

HOUR = 3_600 * NS_PER_SECOND
BASE = 1_492_592_400 * NS_PER_SECOND  # 2017-04-19 09:00:00 UTC


def write(tmp_path: Path, columns: dict[str, Any], name: str = "bars.parquet") -> Path:
    path = tmp_path / name
    pq.write_table(pa.table(columns), path)
    return path


def load(path: Path, interval: str = "1h") -> BarSeries:
    return load_source(ReplaySource(path, "EUR/USD", interval))


def prices(n: int) -> dict[str, list[float]]:
    return {
        "Open": [1.1] * n,
        "High": [1.2] * n,
        "Low": [1.0] * n,
        "Close": [1.15] * n,
        "Volume": [10.0] * n,
    }


def test_round_trip_of_the_shipped_csv(tmp_path: Path) -> None:
    csv_series = load_source(shipped_source("EURUSD_hourly.csv"))
    stamps = pa.array(list(csv_series.ts), pa.timestamp("ns", tz="UTC"))
    columns = {
        "timestamp": stamps,
        "open": list(csv_series.open),
        "high": list(csv_series.high),
        "low": list(csv_series.low),
        "close": list(csv_series.close),
        "volume": list(csv_series.volume),
    }
    series = load(write(tmp_path, columns))
    assert len(series) == 5000
    for name in ("ts", "open", "high", "low", "close", "volume"):
        assert getattr(series, name) == getattr(csv_series, name)


def test_timestamp_with_offset_zone_and_naive_time(tmp_path: Path) -> None:
    plus2 = timezone(timedelta(hours=2))
    aware = [datetime(2017, 4, 19, 11, tzinfo=plus2), datetime(2017, 4, 19, 12, tzinfo=plus2)]
    series = load(write(tmp_path, {"time": pa.array(aware, pa.timestamp("ms", tz="+02:00")), **prices(2)}))
    assert list(series.ts) == [BASE, BASE + HOUR]
    naive = [datetime(2017, 4, 19, 9), datetime(2017, 4, 19, 10)]
    series = load(write(tmp_path, {"time": pa.array(naive, pa.timestamp("s")), **prices(2)}, "naive.parquet"))
    assert list(series.ts) == [BASE, BASE + HOUR]


def test_date_column_and_missing_volume(tmp_path: Path) -> None:
    columns: dict[str, Any] = {"Date": [date(2004, 8, 19), date(2004, 8, 20)], **prices(2)}
    del columns["Volume"]
    series = load(write(tmp_path, columns), "1d")
    assert list(series.ts) == [1_092_873_600 * NS_PER_SECOND, 1_092_960_000 * NS_PER_SECOND]
    assert list(series.volume) == [0.0, 0.0]


@pytest.mark.parametrize("scale", [1, 1_000, 1_000_000, 1_000_000_000])
def test_epoch_integers_of_any_unit(tmp_path: Path, scale: int) -> None:
    epoch = [1_492_592_400 * scale, 1_492_596_000 * scale]
    series = load(write(tmp_path, {"timestamp": pa.array(epoch, pa.int64()), **prices(2)}))
    assert list(series.ts) == [BASE, BASE + HOUR]


def test_text_times_and_integer_prices(tmp_path: Path) -> None:
    columns = {"": ["2017-04-19 09:00:00", "2017-04-19T10:00:00Z"], "open": [2, 2], "high": [3, 3]}
    columns |= {"low": [1, 1], "close": [2, 2]}
    series = load(write(tmp_path, columns))
    assert list(series.ts) == [BASE, BASE + HOUR]
    assert list(series.open) == [2.0, 2.0]


def test_pandas_index_column_is_the_time(tmp_path: Path) -> None:
    stamps = pa.array([BASE, BASE + HOUR], pa.timestamp("ns"))
    series = load(write(tmp_path, {**prices(2), "__index_level_0__": stamps}))
    assert list(series.ts) == [BASE, BASE + HOUR]


def test_row_errors_name_the_row(tmp_path: Path) -> None:
    columns = {"time": pa.array([BASE, BASE + HOUR, BASE], pa.timestamp("ns", tz="UTC")), **prices(3)}
    path = write(tmp_path, columns)
    with pytest.raises(DataFileError, match=r"bars.parquet:3: time goes backwards") as caught:
        load(path)
    assert caught.value.line == 3


def test_null_price(tmp_path: Path) -> None:
    columns: dict[str, Any] = {"time": pa.array([BASE, BASE + HOUR], pa.timestamp("ns")), **prices(2)}
    columns["Close"] = [1.15, None]
    with pytest.raises(DataFileError, match=r"bars.parquet:2: close is empty"):
        load(write(tmp_path, columns))


def test_null_time(tmp_path: Path) -> None:
    columns = {"time": pa.array([BASE, None], pa.timestamp("ns")), **prices(2)}
    with pytest.raises(DataFileError, match=r"bars.parquet:2: time is empty"):
        load(write(tmp_path, columns))


def test_bad_text_price(tmp_path: Path) -> None:
    columns: dict[str, Any] = {"time": ["2017-04-19 09:00:00"], **prices(1)}
    columns["High"] = ["lots"]
    with pytest.raises(DataFileError, match=r"bars.parquet:1: high 'lots' is not a number"):
        load(write(tmp_path, columns))


def test_bad_text_time(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"bars.parquet:1: time 'soon' is not a date"):
        load(write(tmp_path, {"time": ["soon"], **prices(1)}))


def test_missing_column_lists_the_found_ones(tmp_path: Path) -> None:
    columns: dict[str, Any] = {"time": pa.array([BASE], pa.timestamp("ns")), **prices(1)}
    del columns["Low"]
    with pytest.raises(DataFileError, match=r"bars.parquet: missing column\(s\) low; .*'time', 'Open'"):
        load(write(tmp_path, columns))


def test_unusable_column_type(tmp_path: Path) -> None:
    columns = {"time": pa.array([BASE], pa.timestamp("ns")), **prices(1), "Open": [True]}
    with pytest.raises(DataFileError, match=r"column 'Open' has type bool; expected numbers"):
        load(write(tmp_path, columns))
    with pytest.raises(DataFileError, match=r"time column 'time' has type double"):
        load(write(tmp_path, {"time": [1.5], **prices(1)}, "float_time.parquet"))


def test_no_rows(tmp_path: Path) -> None:
    columns = {"time": pa.array([], pa.timestamp("ns", tz=UTC))} | {
        k: pa.array([], pa.float64()) for k in prices(0)
    }
    with pytest.raises(DataFileError, match=r"bars.parquet: has columns but no rows"):
        load(write(tmp_path, columns))


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "bars.parquet"
    path.write_text("date,open\n")
    with pytest.raises(DataFileError, match=r"bars.parquet: is not a readable Parquet file"):
        load(path)


def test_empty_and_missing_parquet_files(tmp_path: Path) -> None:
    (tmp_path / "empty.parquet").write_bytes(b"")
    with pytest.raises(DataFileError, match=r"empty.parquet:1: file is empty"):
        load(tmp_path / "empty.parquet")
    with pytest.raises(DataFileError, match=r"gone.parquet: file not found"):
        load(tmp_path / "gone.parquet")
