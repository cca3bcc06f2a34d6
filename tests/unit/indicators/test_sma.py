"""The incremental SMA against the naive mean of the window, and bit for bit against ``sma_np``."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from freeride.indicators._core import ANCHOR_EVERY
from freeride.indicators.sma import SMA, sma, sma_np

EPS = 2.0**-52
prices = st.lists(st.floats(min_value=0.01, max_value=1e6, allow_nan=False), min_size=1, max_size=300)


@given(values=prices, period=st.integers(min_value=1, max_value=50))
def test_incremental_matches_naive_mean_within_its_error_bound(values: list[float], period: int) -> None:
    # Between anchors the window sum moves by additions; each may round by half an ulp of the
    # largest sum it passed through since the anchor, and no more.
    got = sma(values, period)
    for i, value in enumerate(got):
        if i + 1 < period:
            assert math.isnan(value)
            continue
        window = values[i + 1 - period : i + 1]
        exact = math.fsum(window) / period
        since = i % ANCHOR_EVERY + 1
        biggest = max(math.fsum(values[max(0, j + 1 - period) : j + 1]) for j in range(i + 1 - since, i + 1))
        bound = (2 * since + 2) * EPS * (biggest + max(window)) / period
        assert abs(value - exact) <= bound + EPS * abs(exact)


@given(values=prices, period=st.integers(min_value=1, max_value=50))
def test_realistic_prices_are_accurate_to_1e12(values: list[float], period: int) -> None:
    walk = np.cumprod(np.clip(np.array(values) / 1e6 + 0.9995, 0.999, 1.001)) * 100  # moves of 0.1 % at most
    got = sma_np(walk, period)
    for i in range(period - 1, len(walk)):
        assert got[i] == pytest.approx(math.fsum(walk[i + 1 - period : i + 1].tolist()) / period, rel=1e-12)


@given(values=prices, period=st.integers(min_value=1, max_value=60))
def test_vectorised_is_bit_for_bit_the_incremental(values: list[float], period: int) -> None:
    assert np.array_equal(np.array(sma(values, period)), sma_np(values, period), equal_nan=True)


def test_bit_for_bit_across_many_anchors() -> None:
    rng = np.random.default_rng(7)
    x = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 5 * ANCHOR_EVERY + 17)))
    for period in (1, 2, 10, 30, 200, ANCHOR_EVERY + 3):
        assert np.array_equal(np.array(sma(x.tolist(), period)), sma_np(x, period), equal_nan=True)


def test_no_drift_over_a_long_series() -> None:
    ind = SMA(30)
    values = [100.0 + (i % 97) * 0.01 + 1e-7 * i for i in range(200_000)]
    for v in values:
        ind.update(v)
    assert ind.value == pytest.approx(math.fsum(values[-30:]) / 30, rel=1e-14)


def test_exact_right_after_an_anchor() -> None:
    ind = SMA(30)
    values = [100.0 + (i % 97) * 0.01 + 1e-7 * i for i in range(3 * ANCHOR_EVERY + 1)]
    for v in values:
        ind.update(v)
    # the sum restarted from fsum of the window one value ago, plus one exact difference
    assert ind.value == pytest.approx(math.fsum(values[-30:]) / 30, rel=1e-15)


def test_period_must_be_positive() -> None:
    with pytest.raises(ValueError, match="period"):
        SMA(0)
    with pytest.raises(ValueError, match="period"):
        sma_np([1.0], 0)
