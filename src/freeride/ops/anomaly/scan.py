"""The detectors over a recorded series (a CSV of time and value), to tune them on real data.

Each point goes through the same online detectors the monitor runs, in time order, seeing only
the points before it: an EWMA z-score, a median/MAD z-score, a Page-Hinkley level-shift test, and
a gap rule (a time step more than ``gap_factor`` times the median step so far). A run of points
one detector flags in a row (a sustained shift) is reported once, at its first point. A bad row
stops the scan with the file, the line and the problem.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from freeride.core.clock import NS_PER_SECOND, datetime_to_ns
from freeride.core.errors import InvalidInput
from freeride.ops.anomaly.detectors import Ewma, RobustZ, Shift


class Flagged(msgspec.Struct, frozen=True, kw_only=True):
    line: int
    time: str
    ts_ns: int
    value: float
    detector: str
    score: float
    baseline: float


def parse_time(text: str) -> int:
    """Epoch seconds, milliseconds or nanoseconds (by size), or an ISO date/time (naive = UTC)."""
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        return datetime_to_ns(datetime.fromisoformat(text))
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not a time")
    magnitude = abs(number)
    if magnitude < 1e11:
        return int(number * NS_PER_SECOND)
    if magnitude < 1e14:
        return int(number * 1_000_000)
    if magnitude < 1e17:
        return int(number * 1_000)
    return int(number)


def read_series(path: Path, time_column: str, value_column: str) -> Iterator[tuple[int, int, float]]:
    """``(line, ts_ns, value)`` per row; ``InvalidInput`` naming the file and line on any defect."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames or []
        for wanted, option in ((time_column, "--time-column"), (value_column, "--value-column")):
            if wanted not in columns:
                raise InvalidInput(
                    f"{path.name}: no column {wanted!r} ({option}); columns: {', '.join(columns)}"
                )
        for row in reader:
            line = reader.line_num
            try:
                ts = parse_time(row[time_column] or "")
            except ValueError:
                raise InvalidInput(f"{path.name}:{line}: time {row[time_column]!r} is not a time") from None
            try:
                value = float(row[value_column] or "")
            except ValueError:
                raise InvalidInput(
                    f"{path.name}:{line}: value {row[value_column]!r} is not a number"
                ) from None
            if not math.isfinite(value):
                raise InvalidInput(f"{path.name}:{line}: value {row[value_column]!r} is not finite")
            yield line, ts, value


def scan(
    path: Path, time_column: str, value_column: str, *, z: float = 6.0, gap_factor: float = 5.0
) -> list[Flagged]:
    ewma, robust, shift = Ewma(threshold=z), RobustZ(threshold=z), Shift()
    steps: list[int] = []
    last_ts: int | None = None
    out: list[Flagged] = []
    alarmed: set[str] = set()
    for line, ts, value in read_series(path, time_column, value_column):
        if last_ts is not None and ts < last_ts:
            raise InvalidInput(f"{path.name}:{line}: time goes backwards")
        stamp = datetime.fromtimestamp(ts / NS_PER_SECOND, tz=UTC).isoformat()
        scores = (
            ("ewma_z", ewma.update(value)),
            ("robust_z", robust.update(value)),
            ("level_shift", shift.update(value)),
        )
        for name, score in scores:
            if score.alarm and name not in alarmed:  # the first point of a run of flagged points
                out.append(
                    Flagged(
                        line=line,
                        time=stamp,
                        ts_ns=ts,
                        value=value,
                        detector=name,
                        score=round(score.score, 3),
                        baseline=score.baseline,
                    )
                )
            if score.alarm:
                alarmed.add(name)
            else:
                alarmed.discard(name)
        if last_ts is not None:
            step = ts - last_ts
            if len(steps) >= 10:
                usual = statistics.median(steps[-200:])
                if usual > 0 and step > gap_factor * usual:
                    out.append(
                        Flagged(
                            line=line,
                            time=stamp,
                            ts_ns=ts,
                            value=value,
                            detector="gap",
                            score=round(step / usual, 3),
                            baseline=usual / NS_PER_SECOND,
                        )
                    )
            steps.append(step)
        last_ts = ts
    return out
