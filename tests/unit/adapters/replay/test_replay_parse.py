"""Reading bar files: every bad input is refused with the file, the line and the problem."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from freeride.adapters.replay import ReplaySource, load_source, shipped_source
from freeride.adapters.replay.timestamps import text_to_ns
from freeride.core.clock import NS_PER_SECOND
from freeride.core.errors import DataFileError

HEADER = ",Open,High,Low,Close,Volume\n"
DAY = 86_400 * NS_PER_SECOND


def write(tmp_path: Path, text: str, name: str = "bars.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(
    path: Path, interval: str = "1d", **kwargs: object
) -> list[tuple[int, float, float, float, float, float]]:
    series = load_source(ReplaySource(path, "TEST", interval, **kwargs))  # type: ignore[arg-type]
    return [
        (series.ts[i], series.open[i], series.high[i], series.low[i], series.close[i], series.volume[i])
        for i in range(len(series))
    ]


def refused(path: Path, line: int | None, *words: str, interval: str = "1d") -> DataFileError:
    """Load ``path`` expecting a DataFileError at ``line`` whose message holds the file and ``words``."""
    with pytest.raises(DataFileError) as caught:
        load(path, interval)
    error = caught.value
    message = str(error)
    assert error.path == str(path)
    assert error.line == line
    where = f"{path}:{line}:" if line is not None else f"{path}:"
    assert message.startswith(where), message
    for word in words:
        assert word in message, message
    return error


GOOD = (
    HEADER + "2004-08-19,100,104.06,95.96,100.34,22351900\n2004-08-20,101.01,109.08,100.5,108.31,11428600\n"
)


def test_a_good_file_gives_its_rows_as_ns_utc(tmp_path: Path) -> None:
    rows = load(write(tmp_path, GOOD))
    assert rows == [
        (text_to_ns("2004-08-19T00:00:00+00:00"), 100.0, 104.06, 95.96, 100.34, 22351900.0),
        (text_to_ns("2004-08-20T00:00:00+00:00"), 101.01, 109.08, 100.5, 108.31, 11428600.0),
    ]
    assert rows[0][0] == 1_092_873_600 * NS_PER_SECOND


# --- files that cannot be read -----------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    refused(tmp_path / "nope.csv", None, "file not found")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    refused(tmp_path / "dir.csv", None, "is a directory")


def test_empty_file(tmp_path: Path) -> None:
    refused(write(tmp_path, ""), 1, "file is empty")


def test_blank_lines_only_count_as_empty(tmp_path: Path) -> None:
    refused(write(tmp_path, "\n\n"), 1, "file is empty")


def test_header_without_rows(tmp_path: Path) -> None:
    refused(write(tmp_path, HEADER), 1, "no data rows")


def test_unknown_file_type(tmp_path: Path) -> None:
    refused(write(tmp_path, GOOD, "bars.xlsx"), None, "unknown file type '.xlsx'", ".csv", ".parquet")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_bytes(HEADER.encode() + b"2004-08-19,1,1,1,1,1\n2004-08-20,\xff\xfe,1,1,1,1\n")
    refused(path, 3, "not UTF-8")


def test_runaway_quote_is_malformed_csv(tmp_path: Path) -> None:
    text = HEADER + '2004-08-19,1,1,1,1,1\n2004-08-20,"1' + "x" * 200_000
    refused(write(tmp_path, text), 3, "malformed CSV", "field larger than field limit")


# --- header ------------------------------------------------------------------------------------


def test_missing_column_names_it_and_lists_the_found_ones(tmp_path: Path) -> None:
    error = refused(
        write(tmp_path, ",Open,High,Low,Volume\n2004-08-19,1,1,1,1\n"), 1, "missing column(s) close"
    )
    assert "'', 'Open', 'High', 'Low', 'Volume'" in error.problem


def test_missing_time_column(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "when,open,high,low,close\nx,1,1,1,1\n"), 1, "missing column(s) time")
    assert "'when'" in error.problem


def test_duplicate_column(tmp_path: Path) -> None:
    refused(write(tmp_path, "date,open,high,low,close,Close\n"), 1, "column 'Close' appears twice")


def test_column_names_are_case_insensitive_in_any_order_with_extras(tmp_path: Path) -> None:
    text = "CLOSE,Adj Close,Date,low,HIGH,Open\n2,9,2004-08-19,1,3,2\n"
    assert load(write(tmp_path, text)) == [(text_to_ns("2004-08-19"), 2.0, 3.0, 1.0, 2.0, 0.0)]


@pytest.mark.parametrize("name", ["time", "Date", "DATETIME", "timestamp"])
def test_named_time_columns(tmp_path: Path, name: str) -> None:
    rows = load(write(tmp_path, f"open,high,low,close,{name}\n1,1,1,1,2004-08-19\n"))
    assert rows[0][0] == text_to_ns("2004-08-19")


# --- rows --------------------------------------------------------------------------------------


def test_wrong_number_of_fields(tmp_path: Path) -> None:
    refused(write(tmp_path, GOOD + "2004-08-23,1,1,1\n"), 4, "has 4 fields, the header has 6")


def test_unparsable_time(tmp_path: Path) -> None:
    refused(write(tmp_path, HEADER + "2004-08-19,1,1,1,1,1\nyesterday,1,1,1,1,1\n"), 3, "time 'yesterday'")


def test_unparsable_number_names_the_field_and_value(tmp_path: Path) -> None:
    refused(write(tmp_path, HEADER + "2004-08-19,1,abc,1,1,1\n"), 2, "high 'abc' is not a number")


def test_empty_field(tmp_path: Path) -> None:
    refused(write(tmp_path, HEADER + "2004-08-19,1,1,1,1,\n"), 2, "volume is empty")


@pytest.mark.parametrize(
    ("row", "words"), [("nan,1,1,1", "open nan is not finite"), ("1,inf,1,1", "high inf")]
)
def test_non_finite_price(tmp_path: Path, row: str, words: str) -> None:
    refused(write(tmp_path, HEADER + f"2004-08-19,{row},1\n"), 2, words)


@pytest.mark.parametrize(
    ("row", "words"), [("1,1,0,1", "low 0.0 is not positive"), ("-1,1,1,1", "open -1.0")]
)
def test_non_positive_price(tmp_path: Path, row: str, words: str) -> None:
    refused(write(tmp_path, HEADER + f"2004-08-19,{row},1\n"), 2, words, "not positive")


def test_high_below_low(tmp_path: Path) -> None:
    refused(write(tmp_path, HEADER + "2004-08-19,1,1,2,1,1\n"), 2, "high 1.0 is below low 2.0")


def test_open_outside_the_range(tmp_path: Path) -> None:
    refused(write(tmp_path, HEADER + "2004-08-19,5,4,1,2,1\n"), 2, "open 5.0 is outside [low 1.0, high 4.0]")


def test_close_outside_the_range(tmp_path: Path) -> None:
    refused(
        write(tmp_path, HEADER + "2004-08-19,2,4,1,0.5,1\n"), 2, "close 0.5 is outside [low 1.0, high 4.0]"
    )


def test_negative_volume(tmp_path: Path) -> None:
    refused(write(tmp_path, HEADER + "2004-08-19,1,1,1,1,-5\n"), 2, "volume -5.0 is negative")


def test_time_going_backwards_gives_both_times(tmp_path: Path) -> None:
    text = HEADER + "2004-08-19,1,1,1,1,1\n2004-08-20,1,1,1,1,1\n2004-08-18,1,1,1,1,1\n"
    refused(
        write(tmp_path, text), 4, "backwards", "2004-08-18 00:00:00 UTC", "2004-08-20 00:00:00 UTC", "line 3"
    )


def test_duplicate_timestamp_gives_both_lines(tmp_path: Path) -> None:
    text = HEADER + "2004-08-19,1,1,1,1,1\n2004-08-19T00:00:00Z,1,1,1,1,1\n"
    refused(write(tmp_path, text), 3, "duplicate timestamp 2004-08-19 00:00:00 UTC", "line 2")


def test_gap_longer_than_the_default(tmp_path: Path) -> None:
    text = HEADER + "2004-08-19,1,1,1,1,1\n2004-08-27,1,1,1,1,1\n"
    refused(
        write(tmp_path, text),
        3,
        "gap of 8 days",
        "2004-08-19 00:00:00 UTC",
        "2004-08-27",
        "7 days",
        "1d bars",
    )


def test_gap_limit_is_configurable_and_can_be_disabled(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "2004-08-19,1,1,1,1,1\n2004-08-27,1,1,1,1,1\n")
    assert len(load(path, max_gap=timedelta(days=8))) == 2
    assert len(load(path, max_gap=None)) == 2
    with pytest.raises(DataFileError, match=r":3: gap of 8 days, 0:00:00 .* longer than the 2 days"):
        load(path, max_gap=timedelta(days=2))


def test_intraday_default_gap_is_four_days(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "2017-04-19 09:00:00,1,1,1,1,1\n2017-04-23 10:00:00,1,1,1,1,1\n")
    refused(path, 3, "gap of 4 days, 1:00:00", "4 days, 0:00:00 allowed for 1h bars", interval="1h")


def test_blank_lines_are_skipped_and_lines_still_count(tmp_path: Path) -> None:
    text = HEADER + "\n2004-08-19,1,1,1,1,1\n\n2004-08-20,1,1,1,1,-1\n"
    refused(write(tmp_path, text), 5, "volume -1.0 is negative")


def test_quoted_fields_and_missing_volume(tmp_path: Path) -> None:
    rows = load(write(tmp_path, 'Date,"Open",High,Low,Close\n"2004-08-19","1.5",2,1,"1.5"\n'))
    assert rows == [(text_to_ns("2004-08-19"), 1.5, 2.0, 1.0, 1.5, 0.0)]


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfdate,open,high,low,close\n2004-08-19,1,1,1,1\n")
    assert len(load(path)) == 1


# --- times -------------------------------------------------------------------------------------

BASE = 1_492_592_400 * NS_PER_SECOND  # 2017-04-19 09:00:00 UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-04-19 09:00:00", BASE),
        ("2017-04-19T09:00:00", BASE),
        ("2017-04-19T09:00:00Z", BASE),
        ("2017-04-19T11:00:00+02:00", BASE),
        ("2017-04-19 04:00:00-05:00", BASE),
        ("2017-04-19T09:00:00.250+00:00", BASE + 250_000_000),
        ("2017-04-19", BASE - 9 * 3_600 * NS_PER_SECOND),
        ("20170419", BASE - 9 * 3_600 * NS_PER_SECOND),
        ("1492592400", BASE),
        ("1492592400000", BASE),
        ("1492592400000000", BASE),
        ("1492592400000000000", BASE),
        (" 1492592400 ", BASE),
    ],
)
def test_time_formats(text: str, expected: int) -> None:
    assert text_to_ns(text) == expected


def test_epoch_and_offset_times_in_a_file(tmp_path: Path) -> None:
    text = "timestamp,open,high,low,close\n1492592400000,1,1,1,1\n2017-04-19T12:00:00+02:00,1,1,1,1\n"
    rows = load(write(tmp_path, text), interval="1h")
    assert [r[0] for r in rows] == [BASE, BASE + 3_600 * NS_PER_SECOND]


# --- the shipped files -------------------------------------------------------------------------


def test_shipped_goog_parses_with_the_defaults() -> None:
    started = time.perf_counter()
    series = load_source(shipped_source("GOOG_daily.csv"))
    elapsed = time.perf_counter() - started
    assert len(series) == 2148
    assert (series.symbol, series.interval) == ("GOOG", "1d")
    assert series.ts[0] == text_to_ns("2004-08-19")
    assert (series.open[0], series.high[0], series.low[0], series.close[0]) == (100.0, 104.06, 95.96, 100.34)
    assert series.ts[-1] == text_to_ns("2013-03-01")
    assert elapsed < 1.0


def test_shipped_eurusd_parses_with_the_defaults() -> None:
    started = time.perf_counter()
    series = load_source(shipped_source("EURUSD_hourly.csv"))
    elapsed = time.perf_counter() - started
    assert len(series) == 5000
    assert (series.symbol, series.interval) == ("EUR/USD", "1h")
    assert series.ts[0] == BASE
    assert series.close[-1] == 1.22904
    assert elapsed < 1.0


def test_shipped_files_largest_gaps_are_what_the_defaults_allow_for() -> None:
    """GOOG's longest closure is 5 days and EURUSD's 3 days 1 hour; tighter limits catch them."""
    goog = shipped_source("GOOG_daily.csv")
    with pytest.raises(DataFileError, match="gap of 5 days, 0:00:00 between 2006-12-29"):
        load_source(ReplaySource(goog.path, "GOOG", "1d", timedelta(days=4)))
    eurusd = shipped_source("EURUSD_hourly.csv")
    with pytest.raises(DataFileError, match="gap of 3 days, 1:00:00 between 2017-12-22 21:00:00"):
        load_source(ReplaySource(eurusd.path, "EUR/USD", "1h", timedelta(days=3)))
