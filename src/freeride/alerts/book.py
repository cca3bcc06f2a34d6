"""A sorted index of level and cross rules over one number series (a price, a move, an RSI).

Each side keeps its thresholds in a sorted list beside the rules in the same order, so one tick
costs a comparison with the nearest threshold and, only when something fires, a bisect and a
slice: O(log n + fired) instead of a pass over every rule.

* ``above``: fires when ``x >= t``: the fired rules are a prefix of the ascending list;
* ``below``: fires when ``x <= t``: a suffix;
* ``up`` (crosses above): ``prev < t <= x``: the slice ``(prev, x]``;
* ``down`` (crosses below): ``prev > t >= x``: the slice ``[x, prev)``.

A fired rule leaves the index at once (a fire-once rule for good, a repeating one until its
cooldown ends and the engine re-inserts it), so a level that stays crossed costs nothing per tick.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from enum import IntEnum
from typing import Generic, TypeVar

R = TypeVar("R")


class Side(IntEnum):
    ABOVE = 0
    BELOW = 1
    UP = 2
    DOWN = 3


class Book(Generic[R]):
    """Rules of one series; ``update(x)`` returns the rules that fire on the value ``x``."""

    __slots__ = ("last", "sides")

    def __init__(self) -> None:
        # per side: (thresholds ascending, rules in the same order)
        self.sides: tuple[tuple[list[float], list[R]], ...] = tuple(([], []) for _ in Side)
        self.last = math.nan

    def __len__(self) -> int:
        return sum(len(ts) for ts, _ in self.sides)

    def add(self, side: Side, threshold: float, rule: R) -> None:
        ts, rs = self.sides[side]
        i = bisect_right(ts, threshold)
        ts.insert(i, threshold)
        rs.insert(i, rule)

    def discard(self, side: Side, threshold: float, rule: R) -> bool:
        ts, rs = self.sides[side]
        i = bisect_left(ts, threshold)
        n = len(ts)
        while i < n and ts[i] == threshold:
            if rs[i] is rule:
                del ts[i], rs[i]
                return True
            i += 1
        return False

    def update(self, x: float) -> list[R] | None:
        """Feed the next value; the fired rules (removed from the index), or ``None`` for none."""
        prev = self.last
        self.last = x
        fired: list[R] | None = None
        ts, rs = self.sides[0]
        if ts and x >= ts[0]:
            k = bisect_right(ts, x)
            fired = rs[:k]
            del ts[:k], rs[:k]
        ts, rs = self.sides[1]
        if ts and x <= ts[-1]:
            k = bisect_left(ts, x)
            got = rs[k:]
            del ts[k:], rs[k:]
            fired = got if fired is None else fired + got
        if prev != prev or prev == x:  # NaN (first value) or no movement: nothing crossed
            return fired
        if x > prev:
            ts, rs = self.sides[2]
            if ts and x >= ts[0]:
                lo = bisect_right(ts, prev)
                hi = bisect_right(ts, x, lo)
                if hi > lo:
                    got = rs[lo:hi]
                    del ts[lo:hi], rs[lo:hi]
                    fired = got if fired is None else fired + got
        else:
            ts, rs = self.sides[3]
            if ts and x <= ts[-1]:
                lo = bisect_left(ts, x)
                hi = bisect_left(ts, prev, lo)
                if hi > lo:
                    got = rs[lo:hi]
                    del ts[lo:hi], rs[lo:hi]
                    fired = got if fired is None else fired + got
        return fired
