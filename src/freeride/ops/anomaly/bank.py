"""Detectors for many series at once: one numpy step updates every series' EWMA, robust and
Page-Hinkley state, for metric streams sampled together (a value per series per interval).

The same tests as ``detectors``, vectorised across series: EWMA z-score, median/MAD z-score over
a ring of the last ``window`` values (medians refreshed every ``refresh`` steps), and a two-sided
Page-Hinkley run on the robust z-scores, so its tolerance and threshold are in units of each
series' own noise. A series is flagged when both z-scores agree that the value is out of range, or when
Page-Hinkley sees its level shift; it starts judging after ``warmup`` steps.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


class DetectorBank:
    def __init__(
        self,
        series: int,
        *,
        alpha: float = 0.05,
        threshold: float = 6.0,
        window: int = 64,
        refresh: int = 16,
        ph_delta: float = 1.0,
        ph_threshold: float = 30.0,
        warmup: int = 30,
    ) -> None:
        self.n = series
        self.alpha, self.threshold, self.refresh, self.warmup = alpha, threshold, refresh, warmup
        self.ph_delta, self.ph_threshold = ph_delta, ph_threshold
        self.mean = np.zeros(series)
        self.var = np.zeros(series)
        self.ring = np.zeros((window, series))
        self.median = np.zeros(series)
        self.mad = np.ones(series)
        self.ph_n = np.zeros(series)
        self.ph_mean = np.zeros(series)
        self.up = np.zeros(series)
        self.up_min = np.zeros(series)
        self.down = np.zeros(series)
        self.down_min = np.zeros(series)
        self.steps = 0

    def update(self, x: Floats) -> Flags:
        """Fold in one value per series; the series flagged on this step."""
        step = self.steps = self.steps + 1
        window = self.ring.shape[0]
        if step == 1:
            self.mean[:] = x
        diff = x - self.mean
        eps = np.maximum(np.abs(self.mean) * 1e-6, 1e-9)
        z = diff / np.maximum(np.sqrt(self.var), eps)
        incr = self.alpha * diff
        self.mean += incr
        self.var = (1 - self.alpha) * (self.var + diff * incr)

        if step > 1 and (step - 1) % self.refresh == 0:
            filled = self.ring[: min(step - 1, window)]
            self.median = np.median(filled, axis=0)
            self.mad = np.median(np.abs(filled - self.median), axis=0)
        rz = 0.6745 * (x - self.median) / np.maximum(self.mad, eps)
        self.ring[(step - 1) % window] = x

        # Page-Hinkley on the robust z-scores (clipped): thresholds in units of the series' own noise
        zc = np.clip(rz, -10.0, 10.0)
        self.ph_n += 1
        self.ph_mean += (zc - self.ph_mean) / self.ph_n
        self.up += zc - self.ph_mean - self.ph_delta
        np.minimum(self.up_min, self.up, out=self.up_min)
        self.down += self.ph_mean - zc - self.ph_delta
        np.minimum(self.down_min, self.down, out=self.down_min)
        shifted = np.maximum(self.up - self.up_min, self.down - self.down_min) > self.ph_threshold
        if shifted.any():  # start over from the new level
            for array in (self.ph_n, self.ph_mean, self.up, self.up_min, self.down, self.down_min):
                array[shifted] = 0.0
        if step <= self.warmup:
            return np.zeros(self.n, dtype=bool)
        out: Flags = ((np.abs(z) > self.threshold) & (np.abs(rz) > self.threshold)) | shifted
        return out
