"""A fixed-bucket latency histogram: cheap to observe, exported as is, read for percentiles.

Pure bookkeeping (no clock, no framework) so the bus, storage and the gateway can each keep one
for what they time, and ``/metrics``, the anomaly detectors and the self-audit read the same
numbers. Buckets are upper bounds in seconds, Prometheus style (``le``); ``quantile`` interpolates
inside the bucket the rank falls in, as Prometheus's ``histogram_quantile`` does.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

# 10 µs to 10 s, roughly ×2.5 apart: handler calls at the bottom, HTTP calls and commits higher up.
DEFAULT_BUCKETS: tuple[float, ...] = (
    0.00001,
    0.000025,
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)


class LatencyHistogram:
    __slots__ = ("buckets", "count", "counts", "max", "sum")

    def __init__(self, buckets: Sequence[float] = DEFAULT_BUCKETS) -> None:
        self.buckets = tuple(buckets)
        self.counts = [0] * (len(self.buckets) + 1)  # the last is +Inf
        self.count = 0
        self.sum = 0.0
        self.max = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect_left(self.buckets, seconds)] += 1
        self.count += 1
        self.sum += seconds
        if seconds > self.max:
            self.max = seconds

    @property
    def mean(self) -> float:
        return self.sum / self.count if self.count else 0.0

    def cumulative(self) -> list[tuple[float, int]]:
        """``(upper bound, observations at or below it)`` per bucket, ending with ``+Inf``."""
        out: list[tuple[float, int]] = []
        running = 0
        for bound, n in zip((*self.buckets, float("inf")), self.counts, strict=True):
            running += n
            out.append((bound, running))
        return out

    def quantile(self, q: float) -> float:
        """The ``q`` quantile (0..1), interpolated within its bucket; 0 with no observations."""
        if not self.count:
            return 0.0
        rank = q * self.count
        running = 0
        lower = 0.0
        for bound, n in zip(self.buckets, self.counts, strict=False):
            if running + n >= rank and n:
                return lower + (bound - lower) * (rank - running) / n
            running += n
            lower = bound
        return self.max  # in the +Inf bucket: the largest seen is the honest answer

    def merge(self, other: LatencyHistogram) -> None:
        if other.buckets != self.buckets:
            raise ValueError("histograms with different buckets cannot be merged")
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.count += other.count
        self.sum += other.sum
        self.max = max(self.max, other.max)
