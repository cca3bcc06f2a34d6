"""Parameter sweeps: every combination of a grid backtested, then ranked by one metric.

Each job is a ``BacktestSpec`` (plain data) and each answer a ``SweepRow``, so the work can go to
any executor: ``ProcessRunner`` uses every core of this machine (the bars travel once to each
worker, not once per job); a distributed engine only needs to run ``evaluate`` on the same data.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from typing import Any, Protocol

import msgspec
import numpy as np

from freeride.backtest.engine import run_event
from freeride.backtest.grid import combinations, plain
from freeride.backtest.result import BacktestResult
from freeride.backtest.spec import BacktestSpec
from freeride.backtest.vector import run_vector
from freeride.core.errors import InvalidInput
from freeride.strategies.directional import BarArrays

HEADLINE = ("trades", "final_equity", "total_return_pct", "sharpe", "sortino", "calmar", "max_drawdown_pct",
            "win_rate_pct", "profit_factor", "expectancy", "exposure_pct")  # fmt: skip
RANKABLE = (*HEADLINE, "annual_return_pct", "volatility_pct")
LOWER_IS_BETTER = {"volatility_pct"}
ENGINES = ("event", "vector")


class SweepRow(msgspec.Struct, frozen=True, kw_only=True):
    params: dict[str, Any]
    metrics: dict[str, Any]
    strategy: str = ""  # which strategy ran (rows of several strategies are ranked together)


OnResult = Callable[[SweepRow], None]


def run_one(spec: BacktestSpec, bars: Sequence[BarArrays], engine: str) -> BacktestResult:
    if engine == "vector":
        return run_vector(spec, bars, settle=False)
    if engine == "event":
        return run_event(spec, bars)
    raise InvalidInput(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")


def evaluate(spec: BacktestSpec, bars: Sequence[BarArrays], engine: str) -> SweepRow:
    """Backtest one combination and keep the numbers a ranking needs."""
    result = run_one(spec, bars, engine)
    metrics = result.metrics.to_json()
    metrics["trades"] = result.trades_opened
    metrics["final_equity"] = round(result.final_equity_float, 2)
    params = {k: plain(v) for k, v in spec.params.items()}
    return SweepRow(params=params, metrics=metrics, strategy=spec.strategy)


def expand(base: BacktestSpec, grid: dict[str, list[Any]]) -> tuple[list[BacktestSpec], list[str]]:
    """One spec per valid combination, and why each invalid one was left out (``fast >= slow``...)."""
    specs: list[BacktestSpec] = []
    skipped: list[str] = []
    for combo in combinations(grid):
        spec = base.with_params(**combo)
        try:
            spec.typed_params()
        except InvalidInput as exc:
            skipped.append(str(exc))
            continue
        specs.append(spec)
    if not specs:
        reason = skipped[0] if skipped else "the grid is empty"
        raise InvalidInput(f"no valid parameter combination in the grid: {reason}")
    return specs, skipped


Window = tuple[int, int] | None  # [start, end) in ns; None is all the bars


def window_of(bars: Sequence[BarArrays], window: Window) -> list[BarArrays]:
    """The bars inside ``window`` (every symbol cut at the same times)."""
    if window is None:
        return list(bars)
    out = []
    for b in bars:
        lo, hi = np.searchsorted(b.ts, list(window))
        out.append(b.slice(int(lo), int(hi)))
    return out


class Runner(Protocol):
    def run(
        self,
        specs: Sequence[BacktestSpec],
        engine: str,
        on_result: OnResult | None = None,
        window: Window = None,
    ) -> list[SweepRow]:
        """Evaluate every spec on the runner's bars (cut to ``window``); results in ``specs`` order."""
        ...


class InlineRunner:
    """In this process, one after another (small grids, tests)."""

    def __init__(self, bars: Sequence[BarArrays]) -> None:
        self.bars = list(bars)

    def run(
        self,
        specs: Sequence[BacktestSpec],
        engine: str,
        on_result: OnResult | None = None,
        window: Window = None,
    ) -> list[SweepRow]:
        bars = window_of(self.bars, window)
        rows = []
        for spec in specs:
            row = evaluate(spec, bars, engine)
            rows.append(row)
            if on_result is not None:
                on_result(row)
        return rows


_WORKER_BARS: list[BarArrays] = []


def _init_worker(bars: list[BarArrays]) -> None:
    _WORKER_BARS[:] = bars


def evaluate_encoded(job: bytes, engine: str, window: Window, bars: Sequence[BarArrays]) -> bytes:
    """One job as a worker of any executor runs it: a msgpack ``BacktestSpec`` in, a ``SweepRow`` out."""
    spec = msgspec.msgpack.decode(job, type=BacktestSpec)
    return msgspec.msgpack.encode(evaluate(spec, window_of(bars, window), engine))


def _work(job: bytes, engine: str, window: Window) -> bytes:
    return evaluate_encoded(job, engine, window, _WORKER_BARS)


class ProcessRunner:
    """Every core of this machine: a pool of processes (spawned, so no lock or thread is inherited),
    started on first use and kept until ``close`` (a walk-forward reuses it for every fold)."""

    def __init__(self, bars: Sequence[BarArrays], workers: int | None = None) -> None:
        self.bars = list(bars)
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessRunner:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def run(
        self,
        specs: Sequence[BacktestSpec],
        engine: str,
        on_result: OnResult | None = None,
        window: Window = None,
    ) -> list[SweepRow]:
        rows: list[SweepRow | None] = [None] * len(specs)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=get_context("spawn"), initializer=_init_worker, initargs=(self.bars,)
            )
        pool = self._pool
        futures = {
            pool.submit(_work, msgspec.msgpack.encode(s), engine, window): i for i, s in enumerate(specs)
        }
        for future in as_completed(futures):
            row = msgspec.msgpack.decode(future.result(), type=SweepRow)
            rows[futures[future]] = row
            if on_result is not None:
                on_result(row)
        return [r for r in rows if r is not None]


def rank(rows: Sequence[SweepRow], metric: str) -> list[SweepRow]:
    """Best first; runs where the metric is undefined (no trades, zero volatility) come last."""
    if metric not in RANKABLE:
        raise InvalidInput(f"cannot rank by {metric!r}; choose one of {', '.join(RANKABLE)}")
    sign = 1.0 if metric in LOWER_IS_BETTER else -1.0

    def key(row: SweepRow) -> tuple[int, float]:
        value = row.metrics.get(metric)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return (1, 0.0)
        return (0, sign * float(value))

    return sorted(rows, key=key)
