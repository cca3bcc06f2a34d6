"""One file's bars, held as columns, and the row checks every file format shares.

Columns of machine numbers (8 bytes a value) keep a loaded file small; the ``Bar`` structs are made
only at emission, once each, because ``ts_init`` is known only then. The checks run as rows are
added, so the first bad row stops the load with its line number and nothing partial is kept.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from datetime import timedelta

from freeride.adapters.replay.timestamps import ns_text
from freeride.core.errors import DataFileError
from freeride.core.market import Bar

_INF = math.inf
PRICE_FIELDS = ("open", "high", "low", "close")


class BarSeries:
    """The validated bars of one file, in time order, as parallel columns."""

    __slots__ = ("close", "high", "interval", "low", "open", "path", "symbol", "ts", "volume")

    def __init__(self, path: str, symbol: str, interval: str) -> None:
        self.path = path
        self.symbol = symbol
        self.interval = interval
        self.ts = array("q")
        self.open = array("d")
        self.high = array("d")
        self.low = array("d")
        self.close = array("d")
        self.volume = array("d")

    def __len__(self) -> int:
        return len(self.ts)

    def bar(self, i: int, ts_init: int) -> Bar:
        return Bar(
            symbol=self.symbol,
            interval=self.interval,
            open=self.open[i],
            high=self.high[i],
            low=self.low[i],
            close=self.close[i],
            volume=self.volume[i],
            ts_event=self.ts[i],
            ts_init=ts_init,
        )


def bad_number(path: str, line: int, names: Sequence[str], values: Sequence[object]) -> DataFileError:
    """The error for the first of ``values`` that is not a number (called once a conversion failed)."""
    for name, value in zip(names, values, strict=False):
        if value is None or (isinstance(value, str) and not value.strip()):
            return DataFileError(path, line, f"{name} is empty")
        try:
            float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return DataFileError(path, line, f"{name} {value!r} is not a number")
    return DataFileError(path, line, f"cannot read the numbers in {list(values)!r}")


class SeriesBuilder:
    """Checks each row against the rules and appends it; ``finish`` hands over the series."""

    def __init__(self, path: str, symbol: str, interval: str, max_gap_ns: int | None) -> None:
        self._path = path
        self._series = BarSeries(path, symbol, interval)
        self._max_gap_ns = max_gap_ns
        self._prev_ts: int | None = None
        self._prev_line = 0

    def add(self, line: int, ts: int, o: float, h: float, lo: float, c: float, v: float) -> None:
        if not (0.0 < o < _INF and 0.0 < h < _INF and 0.0 < lo < _INF and 0.0 < c < _INF):
            self._bad_price(line, (o, h, lo, c))
        if h < lo:
            raise DataFileError(self._path, line, f"high {h} is below low {lo}")
        if not lo <= o <= h:
            raise DataFileError(self._path, line, f"open {o} is outside [low {lo}, high {h}]")
        if not lo <= c <= h:
            raise DataFileError(self._path, line, f"close {c} is outside [low {lo}, high {h}]")
        if not 0.0 <= v < _INF:
            problem = "is negative" if v < 0 else "is not finite"
            raise DataFileError(self._path, line, f"volume {v} {problem}")
        prev = self._prev_ts
        if prev is not None:
            if ts <= prev:
                self._bad_order(line, ts, prev)
            limit = self._max_gap_ns
            if limit is not None and ts - prev > limit:
                self._bad_gap(line, ts, prev, limit)
        self._prev_ts = ts
        self._prev_line = line
        s = self._series
        s.ts.append(ts)
        s.open.append(o)
        s.high.append(h)
        s.low.append(lo)
        s.close.append(c)
        s.volume.append(v)

    def finish(self, last_line: int) -> BarSeries:
        if not self._series:
            raise DataFileError(self._path, last_line, "has a header but no data rows")
        return self._series

    def _bad_price(self, line: int, prices: tuple[float, float, float, float]) -> None:
        for name, value in zip(PRICE_FIELDS, prices, strict=True):
            if not math.isfinite(value):
                raise DataFileError(self._path, line, f"{name} {value} is not finite")
            if value <= 0:
                raise DataFileError(self._path, line, f"{name} {value} is not positive")

    def _bad_order(self, line: int, ts: int, prev: int) -> None:
        where = f"line {self._prev_line}"
        if ts == prev:
            problem = f"duplicate timestamp {ns_text(ts)}: {where} has the same time {ns_text(prev)}"
        else:
            problem = f"time goes backwards: {ns_text(ts)} comes after {ns_text(prev)} on {where}"
        raise DataFileError(self._path, line, problem)

    def _bad_gap(self, line: int, ts: int, prev: int, limit: int) -> None:
        gap = timedelta(microseconds=(ts - prev) // 1_000)
        allowed = timedelta(microseconds=limit // 1_000)
        raise DataFileError(
            self._path,
            line,
            f"gap of {gap} between {ns_text(prev)} (line {self._prev_line}) and {ns_text(ts)} is longer "
            f"than the {allowed} allowed for {self._series.interval} bars; raise max_gap for this file "
            "or set it to None to skip the check",
        )
