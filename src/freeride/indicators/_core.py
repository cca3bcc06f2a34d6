"""Shared numerics of the indicators: exact re-anchoring of running sums and linear recursions.

Running sums drift as rounding errors pile up over a long series, and two forms of one indicator
that drift differently disagree exactly where it matters (a crossover of two averages). So every
running sum here is replaced by the correctly rounded ``math.fsum`` of its window every
``ANCHOR_EVERY`` values, at the same positions in the incremental and the vectorised form: the
error stays bounded by a few hundred additions, and the two forms stay bit-for-bit equal.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

ANCHOR_EVERY = 1024  # a power of two, so the incremental form tests it with a mask
ANCHOR_MASK = ANCHOR_EVERY - 1


def as_float_array(values: npt.ArrayLike) -> FloatArray:
    """A contiguous float64 copy-free view where possible."""
    return np.ascontiguousarray(values, dtype=np.float64)


Window = deque[float]


def window(period: int) -> Window:
    """The one ring buffer of the indicators: the last ``period`` values, zeros before them.

    ``w[0]`` is the value the next ``w.append(x)`` pushes out (a zero while the window fills, so a
    running sum can always move by ``x - w[0]``), and iterating gives the values oldest first. A
    ``deque`` with ``maxlen``: the append and the read of either end are C calls, cheaper on the
    hot path than keeping a list and its index by hand.
    """
    return deque([0.0] * period, period)


def check_period(name: str, period: int) -> None:
    if period < 1:
        raise ValueError(f"{name} period must be at least 1, got {period}")


def anchored_window_sums(x: FloatArray, period: int) -> FloatArray:
    """Sum of the last ``period`` values at every index, exactly as the incremental forms compute it.

    The series is cut in blocks of ``ANCHOR_EVERY``. Each block starts from an anchor, the exact
    ``fsum`` of the window just before it, plus a partial sum restarted at zero that moves by
    ``x[i] - x[i - period]`` (a sequential ``cumsum``: the same additions in the same order as the
    incremental loop). Before the window is full the sum covers the values seen so far.
    """
    n = len(x)
    k = ANCHOR_EVERY
    rows = -(-n // k)
    steps = np.zeros(rows * k)
    if n > period:
        np.subtract(x[period:], x[:-period], out=steps[period:n])
        steps[:period] = x[:period]
    else:
        steps[:n] = x
    grid = steps.reshape(rows, k)
    np.cumsum(grid, axis=1, out=grid)
    if rows > 1:
        starts = range(k, n, k)
        anchors = np.array([math.fsum(x[max(0, s - period) : s].tolist()) for s in starts])
        grid[1:] += anchors[:, None]
    return steps[:n]


def linear_recurrence(x: FloatArray, weight: float, gain: float, start: float) -> FloatArray:
    """``y[t] = weight * y[t-1] + gain * x[t]`` with ``y[-1] = start``, in numpy blocks.

    Inside a block of ``L`` values the solution is a scaled ``cumsum``; ``L`` is chosen so that
    ``weight ** -L`` stays far from overflow. Only the carry from block to block is a Python loop.
    """
    n = len(x)
    if n == 0:
        return np.empty(0)
    if weight == 0.0:
        return gain * x
    block = int(min(n, 4096, max(1, math.floor(120.0 / -math.log10(weight)))))
    j = np.arange(block, dtype=np.float64)
    up = weight**-j  # weight ** -j, at most 1e120
    down = weight**j
    carry_w = weight ** (j + 1)
    rows = -(-n // block)
    padded = np.zeros(rows * block)
    padded[:n] = x
    grid = padded.reshape(rows, block)
    local = np.cumsum(grid * up, axis=1) * (down * gain)
    out = np.empty_like(local)
    y = start
    for r in range(rows):
        row = local[r] + carry_w * y
        out[r] = row
        y = float(row[-1])
    return out.reshape(-1)[:n]


def nan_array(n: int) -> FloatArray:
    return np.full(n, np.nan)
