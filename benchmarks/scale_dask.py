"""Research on Dask beside the local process pool: a 20 × 20 sweep, seconds each.

The Dask part of ``benchmarks/scale.py`` (issue 16): ``dask_figures()`` returns its keys,
``dask_sweep_seconds`` and ``pool_sweep_seconds``, for that script to merge into its JSON line;
run alone, this prints its own.

The same 400 jobs (SMA crossing, fast 2..40 × slow 50..240, the event-driven engine, the shipped
GOOG daily bars) go once through ``ProcessRunner`` with two worker processes and once through
``DaskRunner`` on a two-worker ``LocalCluster`` (single-threaded worker processes). Each figure
counts the start-up (spawning the pool, starting the cluster and scattering the bars), as a user
waits for it too; the ``_warm`` figures are the best of three more sweeps on the same, already
started, runners, taken in turns so both see the same load.
Both must give the same rows (``rows_match``).

    .venv/bin/python benchmarks/scale_dask.py
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from _util import peak_mib
from freeride.adapters.replay import ReplaySource, load_source, shipped_path
from freeride.app.backtest import to_arrays
from freeride.backtest.cluster import DaskRunner
from freeride.backtest.spec import BacktestSpec
from freeride.backtest.sweep import ProcessRunner, Runner, SweepRow, expand

FAST = list(range(2, 42, 2))  # 20 values
SLOW = list(range(50, 250, 10))  # 20 values
ENGINE = "event"
WORKERS = 2
WARM_REPEATS = 3  # the best of three: the least disturbed by other work on the machine


def _time(runner: Runner, specs: list[BacktestSpec]) -> tuple[float, list[SweepRow]]:
    start = time.perf_counter()
    rows = runner.run(specs, ENGINE)
    return time.perf_counter() - start, rows


def dask_figures() -> dict[str, Any]:
    """The sweep on the process pool and on a LocalCluster: seconds each, and whether rows agree."""
    bars = [to_arrays(load_source(ReplaySource(shipped_path("GOOG_daily.csv"), "GOOG", "1d")))]
    base = BacktestSpec(strategy="sma_cross", params={"size": 50})
    specs, _ = expand(base, {"fast": FAST, "slow": SLOW})
    with ProcessRunner(bars, workers=WORKERS) as pool, DaskRunner(bars, f"local:{WORKERS}") as dask:
        pool_cold, pool_rows = _time(pool, specs)  # spawns the pool, sends it the bars
        start = time.perf_counter()
        dask.client  # noqa: B018  (starts the cluster and scatters the bars: part of the cold figure)
        _, dask_rows = _time(dask, specs)
        dask_cold = time.perf_counter() - start
        warm: dict[str, list[float]] = {"pool": [], "dask": []}
        for _ in range(WARM_REPEATS):  # alternated, so both see the same machine
            for name, runner in (("pool", pool), ("dask", dask)):
                seconds, again = _time(runner, specs)
                assert again == pool_rows
                warm[name].append(seconds)
    return {
        "sweep_jobs": len(specs),
        "sweep_engine": ENGINE,
        "dask_sweep_seconds": round(dask_cold, 3),
        "pool_sweep_seconds": round(pool_cold, 3),
        "dask_sweep_warm_seconds": round(min(warm["dask"]), 3),
        "pool_sweep_warm_seconds": round(min(warm["pool"]), 3),
        "sweep_rows_match": dask_rows == pool_rows,
    }


def main() -> None:
    load_before = os.getloadavg()[0]
    figures = dask_figures()
    figures["load_1m"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    figures["peak_mib"] = round(peak_mib(), 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
