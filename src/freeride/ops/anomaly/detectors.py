"""Online detectors, each cheap enough to run on every observation (a few float operations).

* ``Ewma``: exponentially weighted mean and variance; the z-score of each new value against
  them *before* it is folded in. Adapts to slow drift, flags jumps.
* ``RobustZ``: median and MAD of the last ``window`` values (refreshed every ``refresh`` values,
  so the sort is amortised); one outlier cannot drag the baseline the way it drags a mean.
* ``PageHinkley``: a change-point test on the running mean, both directions: the cumulative
  deviation from the mean (less a tolerance ``delta``) against its running extreme; an alarm when
  the gap passes ``threshold``. Finds a level shift (a latency step) that each single value
  could hide in the noise. ``Shift`` feeds it ``RobustZ`` scores, so its tolerance and
  threshold are in units of the series' own noise whatever the series' scale.
* ``Rate``: how many events fell in the last ``window_s`` (a burst is more than ``limit``).

Each ``update`` returns a ``Score`` (value, baseline, how far, whether it is out of range) and
never allocates more than that; detectors start judging only after ``warmup`` values.
"""

from __future__ import annotations

import math
from collections import deque

import msgspec


class Score(msgspec.Struct, frozen=True, array_like=True):
    value: float
    baseline: float
    score: float
    alarm: bool


class Ewma:
    __slots__ = ("alpha", "mean", "min_std", "n", "threshold", "var", "warmup")

    def __init__(self, alpha: float = 0.05, threshold: float = 6.0, warmup: int = 30, min_std: float = 1e-9):
        self.alpha = alpha
        self.threshold = threshold
        self.warmup = warmup
        self.min_std = min_std
        self.mean = 0.0
        self.var = 0.0
        self.n = 0

    def update(self, x: float) -> Score:
        n = self.n = self.n + 1
        if n == 1:
            self.mean = x
            return Score(x, x, 0.0, False)
        mean = self.mean
        diff = x - mean
        std = math.sqrt(self.var)
        z = diff / max(std, self.min_std, abs(mean) * 1e-6)
        a = self.alpha
        incr = a * diff
        self.mean = mean + incr
        self.var = (1 - a) * (self.var + diff * incr)
        return Score(x, mean, z, n > self.warmup and abs(z) > self.threshold)


class RobustZ:
    """z = 0.6745 · (x − median) / MAD over the last ``window`` values."""

    __slots__ = ("_since", "mad", "median", "min_mad", "refresh", "threshold", "values", "warmup")

    def __init__(
        self,
        window: int = 200,
        threshold: float = 6.0,
        refresh: int = 16,
        warmup: int = 30,
        min_mad: float = 1e-9,
    ):
        self.values: deque[float] = deque(maxlen=window)
        self.threshold = threshold
        self.refresh = refresh
        self.warmup = warmup
        self.min_mad = min_mad
        self.median = 0.0
        self.mad = 0.0
        self._since = refresh

    def _recompute(self) -> None:
        ordered = sorted(self.values)
        k = len(ordered)
        mid = k // 2
        median = ordered[mid] if k % 2 else (ordered[mid - 1] + ordered[mid]) / 2
        deviations = sorted(abs(v - median) for v in ordered)
        self.median = median
        self.mad = deviations[mid] if k % 2 else (deviations[mid - 1] + deviations[mid]) / 2

    def update(self, x: float) -> Score:
        values = self.values
        judged = len(values) >= self.warmup
        if judged:
            self._since += 1
            if self._since >= self.refresh:
                self._since = 0
                self._recompute()
            z = 0.6745 * (x - self.median) / max(self.mad, self.min_mad, abs(self.median) * 1e-6)
        else:
            z = 0.0
        values.append(x)
        return Score(x, self.median, z, judged and abs(z) > self.threshold)


class PageHinkley:
    """Two-sided Page-Hinkley on the mean; after an alarm it starts over from the new level."""

    __slots__ = ("delta", "down", "down_min", "mean", "n", "threshold", "up", "up_min", "warmup")

    def __init__(self, delta: float = 0.005, threshold: float = 50.0, warmup: int = 30):
        self.delta = delta
        self.threshold = threshold
        self.warmup = warmup
        self.reset()

    def reset(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.up = self.up_min = 0.0
        self.down = self.down_min = 0.0

    def update(self, x: float) -> Score:
        self.n += 1
        before = self.mean
        self.mean += (x - before) / self.n
        d = x - self.mean - self.delta
        self.up += d
        self.up_min = min(self.up_min, self.up)
        e = self.mean - x - self.delta
        self.down += e
        self.down_min = min(self.down_min, self.down)
        gap = max(self.up - self.up_min, self.down - self.down_min)
        alarm = self.n > self.warmup and gap > self.threshold
        if alarm:
            self.reset()
        return Score(x, before, gap, alarm)


class Shift:
    """Robust z-scores into a Page-Hinkley test: a level shift, judged in units of the series' noise.

    The median/MAD baseline is the one that stays put for the first half-window after a shift
    (an EWMA's variance swallows a step within a few values and its z-scores fade)."""

    __slots__ = ("ph", "robust")

    def __init__(self, window: int = 200, delta: float = 1.0, threshold: float = 30.0, warmup: int = 30):
        self.robust = RobustZ(window=window, threshold=math.inf, warmup=warmup)
        self.ph = PageHinkley(delta=delta, threshold=threshold, warmup=warmup)

    def update(self, x: float) -> Score:
        z = self.robust.update(x)
        shift = self.ph.update(max(-10.0, min(10.0, z.score)))
        return Score(x, z.baseline, shift.score, shift.alarm)


class Rate:
    """Events in the last ``window_ns``; a burst when more than ``limit``."""

    __slots__ = ("limit", "stamps", "window_ns")

    def __init__(self, window_s: float, limit: int):
        self.window_ns = int(window_s * 1e9)
        self.limit = limit
        self.stamps: deque[int] = deque()

    def count(self, now_ns: int) -> int:
        stamps = self.stamps
        edge = now_ns - self.window_ns
        while stamps and stamps[0] <= edge:
            stamps.popleft()
        return len(stamps)

    def update(self, ts_ns: int) -> Score:
        self.stamps.append(ts_ns)
        n = self.count(ts_ns)
        return Score(float(n), float(self.limit), n / max(self.limit, 1), n > self.limit)
