"""Helpers shared by the benchmarks: timing and peak resident memory."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable


def peak_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def best_rate(n: int, run: Callable[[], None], repeats: int = 5) -> float:
    """Items per second of the fastest of ``repeats`` runs (the least disturbed by the machine)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return n / best
