"""Crossings of two averages: the fused SMA form against two ``SMA`` objects and against ``sma_np``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from freeride.indicators._core import ANCHOR_EVERY
from freeride.indicators.cross import crossings, sma_crossings
from freeride.indicators.ema import EMA
from freeride.indicators.sma import SMA, sma_np

# cents on a narrow range: equal averages (ties) happen often
cents = st.lists(st.integers(min_value=9_990, max_value=10_010), min_size=1, max_size=300)
periods = st.integers(min_value=1, max_value=40)


def naive(values: list[float], fast: int, slow: int) -> list[int]:
    """The rule written plainly on two ``SMA`` objects: a strict change of side, NaN never crosses."""
    f_avg, s_avg = SMA(fast), SMA(slow)
    out, prev_f, prev_s = [], math.nan, math.nan
    for x in values:
        f, s = f_avg.update(x), s_avg.update(x)
        out.append(1 if prev_f < prev_s and f > s else -1 if prev_f > prev_s and f < s else 0)
        prev_f, prev_s = f, s
    return out


def vectorised(values: list[float], fast: int, slow: int) -> list[int]:
    f, s = sma_np(values, fast), sma_np(values, slow)
    out = np.zeros(len(values), dtype=np.int64)
    out[1:] += (f[:-1] < s[:-1]) & (f[1:] > s[1:])
    out[1:] -= (f[:-1] > s[:-1]) & (f[1:] < s[1:])
    return [int(v) for v in out]


def stepped(values: list[float], fast: int, slow: int) -> list[int]:
    step = sma_crossings(fast, slow)
    return [step(x) for x in values]


@given(values=cents, fast=periods, slow=periods)
def test_fused_sma_crossings_are_those_of_two_sma_objects(values: list[int], fast: int, slow: int) -> None:
    prices = [v / 100 for v in values]
    assert stepped(prices, fast, slow) == naive(prices, fast, slow) == vectorised(prices, fast, slow)


def test_bit_for_bit_across_many_anchors() -> None:
    rng = np.random.default_rng(11)
    walk = np.round(100 * np.exp(np.cumsum(rng.normal(0, 0.002, 6 * ANCHOR_EVERY + 5))), 2).tolist()
    for fast, slow in ((1, 2), (2, 3), (10, 30), (30, 10), (7, 7), (3, ANCHOR_EVERY + 9)):
        got = stepped(walk, fast, slow)
        assert got == naive(walk, fast, slow) == vectorised(walk, fast, slow)
    assert any(stepped(walk, 10, 30))  # the walk does cross


def test_rounding_of_the_running_sums_is_reproduced() -> None:
    # spikes of 1e12 leave rounding errors of about 1e-4 in a running sum until the next anchor:
    # each cross between them depends on where the anchors fall and which additions were made
    rng = np.random.default_rng(5)
    walk = 100 + np.cumsum(rng.normal(0, 0.05, 4 * ANCHOR_EVERY))
    walk[::97] += 1e12 * rng.random(len(walk[::97]))
    values = walk.tolist()
    for fast, slow in ((2, 5), (10, 30)):
        assert stepped(values, fast, slow) == naive(values, fast, slow) == vectorised(values, fast, slow)


def test_no_cross_before_both_averages_had_a_value() -> None:
    # fast(1) jumps above slow(3) at the 3rd value, but slow had no value before it
    assert stepped([3.0, 2.0, 9.0, 0.0, 9.0], 1, 3) == [0, 0, 0, -1, 1]


def test_equal_averages_are_no_cross() -> None:
    assert stepped([5.0] * 50, 2, 5) == [0] * 50


def test_any_pair_of_averages() -> None:
    values = [100.0 + 5 * math.sin(i / 7) for i in range(400)]
    step = crossings(EMA(3).update, EMA(12).update)
    got = [step(x) for x in values]
    f_avg, s_avg = EMA(3), EMA(12)
    expected, prev_f, prev_s = [], math.nan, math.nan
    for x in values:
        f, s = f_avg.update(x), s_avg.update(x)
        expected.append(1 if prev_f < prev_s and f > s else -1 if prev_f > prev_s and f < s else 0)
        prev_f, prev_s = f, s
    assert got == expected
    assert 1 in got
    assert -1 in got


def test_periods_must_be_positive() -> None:
    with pytest.raises(ValueError, match="period"):
        sma_crossings(0, 3)
