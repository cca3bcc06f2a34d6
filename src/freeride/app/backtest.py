"""Backtests wired to the outside world: bar files in, runs stored and listed.

The backtest package itself knows no files and no database (it is a service, below ``app``);
this module reads the data through the replay adapter and records runs through the repositories.
A run's id is derived from its inputs, as for the embedded run: the same backtest run twice
replaces its stored record instead of adding a copy.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from freeride.adapters.replay import ReplaySource, load_source
from freeride.adapters.replay.series import BarSeries
from freeride.app.database import open_database
from freeride.backtest.result import BacktestResult
from freeride.backtest.spec import BacktestSpec
from freeride.core.errors import DataFileError, InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.core.market import INTERVAL_SECONDS
from freeride.ports.repositories import RunInfo
from freeride.storage.repositories import FillRepository, PositionRepository, RunRepository
from freeride.strategies.directional import BarArrays

_BY_SECONDS = {seconds: name for name, seconds in INTERVAL_SECONDS.items()}


@dataclass(frozen=True, slots=True)
class DataFile:
    path: Path
    symbol: str
    interval: str | None = None  # inferred from the file's time steps when not given


def to_arrays(series: BarSeries) -> BarArrays:
    """Columns of a loaded file as numpy arrays, without copying."""
    return BarArrays(
        symbol=series.symbol,
        interval=series.interval,
        ts=np.frombuffer(series.ts, dtype=np.int64),
        open=np.frombuffer(series.open, dtype=np.float64),
        high=np.frombuffer(series.high, dtype=np.float64),
        low=np.frombuffer(series.low, dtype=np.float64),
        close=np.frombuffer(series.close, dtype=np.float64),
        volume=np.frombuffer(series.volume, dtype=np.float64),
    )


def infer_interval(path: Path, symbol: str) -> str:
    """The interval whose length is the file's most common step between bars."""
    series = load_source(ReplaySource(path, symbol, "1d", max_gap=None))
    if len(series) < 2:
        raise DataFileError(str(path), None, "has a single bar: give --interval, it cannot be inferred")
    steps = np.diff(np.frombuffer(series.ts, dtype=np.int64)) // 1_000_000_000
    step = int(statistics.mode(steps.tolist()))
    if step not in _BY_SECONDS:
        known = ", ".join(INTERVAL_SECONDS)
        raise DataFileError(str(path), None, f"bars are {step} s apart, not one of {known}; give --interval")
    return _BY_SECONDS[step]


def load_bars(files: Sequence[DataFile]) -> list[BarArrays]:
    """Every file read and checked (the first problem raises ``DataFileError`` with file and line)."""
    out = []
    for f in files:
        symbol = parse_instrument(f.symbol).symbol
        interval = f.interval or infer_interval(f.path, symbol)
        out.append(to_arrays(load_source(ReplaySource(f.path, symbol, interval))))
    return out


@dataclass(frozen=True, slots=True)
class Period:
    """A backtest's window of market time: from ``start_ns`` (inclusive) to ``end_ns`` (exclusive);
    ``None`` is open-ended. The whole file when both are."""

    start_ns: int | None = None
    end_ns: int | None = None

    def __post_init__(self) -> None:
        if self.start_ns is not None and self.end_ns is not None and self.end_ns <= self.start_ns:
            raise InvalidInput("end: the period must end after it starts")

    @property
    def whole(self) -> bool:
        return self.start_ns is None and self.end_ns is None

    def extra(self) -> dict[str, int]:
        """What goes into a run's id and stored config (nothing for the whole file, so ids made
        before periods existed stay the same)."""
        out = {}
        if self.start_ns is not None:
            out["start_ns"] = self.start_ns
        if self.end_ns is not None:
            out["end_ns"] = self.end_ns
        return out

    @classmethod
    def of(cls, stored: Mapping[str, Any] | None) -> Period:
        stored = stored or {}
        start, end = stored.get("start_ns"), stored.get("end_ns")
        return cls(None if start is None else int(start), None if end is None else int(end))

    def cut(self, bars: Sequence[BarArrays]) -> list[BarArrays]:
        """Each file's bars within the period; ``InvalidInput`` naming the symbol when none are."""
        if self.whole:
            return list(bars)
        out = []
        for b in bars:
            lo = 0 if self.start_ns is None else int(np.searchsorted(b.ts, self.start_ns, "left"))
            hi = len(b) if self.end_ns is None else int(np.searchsorted(b.ts, self.end_ns, "left"))
            if hi <= lo:
                raise InvalidInput(
                    f"{b.symbol}: no bars in the period asked for (its data is of other dates)"
                )
            out.append(b.slice(lo, hi))
        return out


def run_id_for(
    kind: str, spec: BacktestSpec, files: Sequence[DataFile], extra: Mapping[str, Any] | None = None
) -> str:
    """Same inputs, same id: the spec, the options and the bytes of every data file."""
    digest = hashlib.sha256(kind.encode())
    digest.update(json.dumps(spec.to_json(), sort_keys=True, default=str).encode())
    digest.update(json.dumps(dict(extra or {}), sort_keys=True, default=str).encode())
    for f in files:
        digest.update(f.symbol.encode())
        digest.update(f.path.read_bytes())
    return f"{kind}-{digest.hexdigest()[:16]}"


async def store_result(
    database_url: str,
    run_id: str,
    *,
    name: str,
    config: Mapping[str, Any],
    summary: Mapping[str, Any],
    started_at: int,
    finished_at: int,
    result: BacktestResult | None = None,
) -> None:
    """Record a run (and a backtest's fills and final positions), replacing an earlier copy."""
    async with open_database(database_url) as engine:
        runs = RunRepository(engine)
        await runs.reset(run_id)
        await runs.begin(run_id, name=name, config=config, started_at=started_at)
        if result is not None:
            await FillRepository(engine).insert_many(run_id, result.fills)
            await PositionRepository(engine).upsert_many(run_id, result.portfolio.positions(finished_at))
        await runs.finish(run_id, summary=summary, finished_at=finished_at)


async def list_runs(database_url: str, limit: int | None = None, prefix: str | None = None) -> list[RunInfo]:
    """Stored runs, newest first; ``prefix`` keeps those whose name starts with it (``backtest``)."""
    async with open_database(database_url) as engine:
        runs = await RunRepository(engine).list_runs(None if prefix else limit)
    if prefix:
        runs = [r for r in runs if r.name.startswith(prefix)][:limit]
    return runs
