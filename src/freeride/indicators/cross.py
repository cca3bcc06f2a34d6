"""Crossovers of two averages of one series, one step per value: +1, -1 or 0.

A cross is a strict change of side: the fast average was strictly below the slow one at the
previous value and is strictly above it now (+1), or the mirror image (-1). Equal averages on
either value are no cross, and nothing crosses while either average is NaN.

``sma_crossings`` is the hot path of the SMA crossover: both windows live in the locals of one
generator frame, so a step costs one resumption and no attribute traffic (two ``SMA.update`` calls
and the comparisons cost about twice as much). Its averages are those of two ``SMA`` objects bit
for bit: the same additions in the same order, re-anchored with ``math.fsum`` of the same windows
at the same positions (see ``_core``), so a cross it reports is the cross ``sma_np`` shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

from freeride.indicators._core import ANCHOR_EVERY, check_period, window

CrossStep = Callable[[float], int]


def crossings(fast: Callable[[float], float], slow: Callable[[float], float]) -> CrossStep:
    """The crosses of any two incremental averages, given their ``update`` methods."""
    steps = _crossings(fast, slow)
    next(steps)
    return steps.send


def sma_crossings(fast: int, slow: int) -> CrossStep:
    """The crosses of ``SMA(fast)`` and ``SMA(slow)`` of the values sent, in one frame."""
    check_period("SMA", fast)
    check_period("SMA", slow)
    steps = _sma_crossings(fast, slow)
    next(steps)
    return steps.send


def _crossings(fast: Callable[[float], float], slow: Callable[[float], float]) -> Generator[int, float, None]:
    prev_fast = prev_slow = math.nan
    side = 0
    while True:
        x = yield side
        f = fast(x)
        s = slow(x)
        if prev_fast < prev_slow:
            side = 1 if f > s else 0
        elif prev_fast > prev_slow and f < s:
            side = -1
        else:
            side = 0
        prev_fast = f
        prev_slow = s


def _sma_crossings(fast: int, slow: int) -> Generator[int, float, None]:
    # Each window is the indicators' ring of its last ``period`` values (``_core.window``): ``w[0]``
    # is the value leaving it, as in ``SMA``. ``k`` counts down to the next anchor, which falls
    # where ``SMA``'s count is a multiple of ANCHOR_EVERY (the first value included).
    fw = window(fast)
    sw = window(slow)
    f_in = fw.append
    s_in = sw.append
    fsum = math.fsum
    nf = float(fast)  # x / 10.0 is x / 10: the int is converted exactly either way
    ns = float(slow)
    every = ANCHOR_EVERY
    f_anchor = s_anchor = f_part = s_part = 0.0
    k = 0
    x = yield 0
    # warm-up: no cross before both averages exist and had a previous value
    ready = max(fast, slow)
    for n in range(1, ready + 1):
        if k:
            f_part += x - fw[0]
            s_part += x - sw[0]
        else:
            k = every
            f_anchor = fsum(fw)
            s_anchor = fsum(sw)
            f_part = x - fw[0]
            s_part = x - sw[0]
        k -= 1
        f_in(x)
        s_in(x)
        if n < ready:
            x = yield 0
    prev_fast = (f_anchor + f_part) / nf
    prev_slow = (s_anchor + s_part) / ns
    side = 0
    while True:
        x = yield side
        if k:
            f_part += x - fw[0]
            s_part += x - sw[0]
        else:
            k = every
            f_anchor = fsum(fw)
            s_anchor = fsum(sw)
            f_part = x - fw[0]
            s_part = x - sw[0]
        k -= 1
        f_in(x)
        s_in(x)
        f = (f_anchor + f_part) / nf
        s = (s_anchor + s_part) / ns
        if prev_fast < prev_slow:
            side = 1 if f > s else 0
        elif prev_fast > prev_slow and f < s:
            side = -1
        else:
            side = 0
        prev_fast = f
        prev_slow = s
