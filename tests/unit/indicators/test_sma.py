"""The incremental SMA against the naive mean of the window."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from freeride.indicators.sma import SMA, sma

prices = st.lists(st.floats(min_value=0.01, max_value=1e6, allow_nan=False), min_size=1, max_size=300)


@given(values=prices, period=st.integers(min_value=1, max_value=50))
def test_incremental_matches_naive_mean(values: list[float], period: int) -> None:
    got = sma(values, period)
    for i, value in enumerate(got):
        if i + 1 < period:
            assert math.isnan(value)
        else:
            window = values[i + 1 - period : i + 1]
            assert value == pytest.approx(math.fsum(window) / period, rel=1e-12)


def test_no_drift_over_a_long_series() -> None:
    ind = SMA(30)
    values = [100.0 + (i % 97) * 0.01 + 1e-7 * i for i in range(200_000)]
    for v in values:
        ind.update(v)
    assert ind.value == math.fsum(values[-30:]) / 30


def test_period_must_be_positive() -> None:
    with pytest.raises(ValueError, match="period"):
        SMA(0)
