"""Every indicator three ways: incremental, vectorised and a naive formula written from its definition."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from freeride.indicators import (
    ATR,
    EMA,
    MACD,
    RSI,
    VWAP,
    WMA,
    Bollinger,
    Donchian,
    RollingStd,
    ZScore,
    atr_np,
    bollinger_np,
    donchian_np,
    ema_np,
    macd_np,
    rolling_std_np,
    rsi_np,
    vwap_np,
    wma_np,
    zscore_np,
)

# Price paths: a start and moves of at most ±5 % per bar, so values stay in a realistic range.
steps = st.lists(st.floats(min_value=-0.05, max_value=0.05, allow_nan=False), min_size=1, max_size=160)
starts = st.floats(min_value=0.5, max_value=5_000.0)
periods = st.integers(min_value=1, max_value=30)
REL = 1e-9


def path(start: float, moves: Sequence[float]) -> list[float]:
    out, p = [], start
    for m in moves:
        p *= 1.0 + m
        out.append(p)
    return out


def bars(start: float, moves: Sequence[float]) -> tuple[list[float], list[float], list[float], list[float]]:
    close = path(start, moves)
    high = [c * (1 + abs(m) / 2) for c, m in zip(close, moves, strict=True)]
    low = [c * (1 - abs(m) / 3) for c, m in zip(close, moves, strict=True)]
    volume = [1.0 + (i * 37 % 11) for i in range(len(close))]
    return high, low, close, volume


def assert_close(a: Sequence[float], b: Sequence[float], scale: float, rel: float = REL) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if math.isnan(y):
            assert math.isnan(x), (x, y)
        else:
            assert x == pytest.approx(y, rel=rel, abs=rel * scale), (x, y)


def incremental(make: Callable[[], object], *columns: Sequence[float]) -> list[float]:
    ind = make()
    return [ind.update(*row) for row in zip(*columns, strict=True)]  # type: ignore[attr-defined]


# -- naive formulas, straight from the definitions ---------------------------------------------


def naive_ema(x: Sequence[float], p: int, alpha: float | None = None) -> list[float]:
    a = 2 / (p + 1) if alpha is None else alpha
    out = [math.nan] * len(x)
    if len(x) < p:
        return out
    y = math.fsum(x[:p]) / p
    out[p - 1] = y
    for i in range(p, len(x)):
        y = a * x[i] + (1 - a) * y
        out[i] = y
    return out


def naive_wma(x: Sequence[float], p: int) -> list[float]:
    return [
        math.nan
        if i + 1 < p
        else math.fsum((k + 1) * v for k, v in enumerate(x[i + 1 - p : i + 1])) / (p * (p + 1) / 2)
        for i in range(len(x))
    ]


def naive_std(x: Sequence[float], p: int, ddof: int = 0) -> list[float]:
    out = []
    for i in range(len(x)):
        if i + 1 < p:
            out.append(math.nan)
            continue
        w = x[i + 1 - p : i + 1]
        m = math.fsum(w) / p
        out.append(math.sqrt(math.fsum((v - m) ** 2 for v in w) / (p - ddof)))
    return out


def naive_rsi(x: Sequence[float], p: int) -> list[float]:
    out = [math.nan] * len(x)
    ch = [x[i] - x[i - 1] for i in range(1, len(x))]
    if len(ch) < p:
        return out
    g = naive_ema([max(c, 0.0) for c in ch], p, 1 / p)
    lo = naive_ema([max(-c, 0.0) for c in ch], p, 1 / p)
    for i in range(p - 1, len(ch)):
        gi, li = g[i], lo[i]
        out[i + 1] = (50.0 if gi == 0 else 100.0) if li == 0 else 100 - 100 / (1 + gi / li)
    return out


# -- the properties --------------------------------------------------------------------------


@given(start=starts, moves=steps, p=periods)
def test_ema(start: float, moves: list[float], p: int) -> None:
    x = path(start, moves)
    inc = incremental(lambda: EMA(p), x)
    assert_close(inc, list(ema_np(x, p)), max(x))
    assert_close(inc, naive_ema(x, p), max(x))


@given(start=starts, moves=steps, p=periods)
def test_wma(start: float, moves: list[float], p: int) -> None:
    x = path(start, moves)
    inc = incremental(lambda: WMA(p), x)
    assert_close(inc, list(wma_np(x, p)), max(x))
    assert_close(inc, naive_wma(x, p), max(x))


@given(start=starts, moves=steps, p=periods)
def test_rsi(start: float, moves: list[float], p: int) -> None:
    x = path(start, moves)
    inc = incremental(lambda: RSI(p), x)
    # RSI divides two averages that may both be tiny: compare on its 0-100 scale
    assert_close(inc, list(rsi_np(x, p)), 100.0, rel=1e-7)
    assert_close(inc, naive_rsi(x, p), 100.0, rel=1e-7)
    assert all(0.0 <= v <= 100.0 for v in inc if not math.isnan(v))


@given(start=starts, moves=steps, fast=st.integers(1, 10), extra=st.integers(1, 15), sig=st.integers(1, 9))
def test_macd(start: float, moves: list[float], fast: int, extra: int, sig: int) -> None:
    x = path(start, moves)
    slow = fast + extra
    ind = MACD(fast, slow, sig)
    rows = [(ind.update(v), ind.signal, ind.histogram) for v in x]
    m, s, h = macd_np(x, fast, slow, sig)
    naive_m = [a - b for a, b in zip(naive_ema(x, fast), naive_ema(x, slow), strict=True)]
    start_i = slow - 1
    naive_s = [math.nan] * len(x)
    if len(x) > start_i:
        naive_s[start_i:] = naive_ema(naive_m[start_i:], sig)
    assert_close([r[0] for r in rows], list(m), max(x))
    assert_close([r[0] for r in rows], naive_m, max(x))
    assert_close([r[1] for r in rows], list(s), max(x))
    assert_close([r[1] for r in rows], naive_s, max(x))
    assert_close([r[2] for r in rows], list(h), max(x))


@given(start=starts, moves=steps, p=periods)
def test_atr(start: float, moves: list[float], p: int) -> None:
    h, lo, c, _ = bars(start, moves)
    inc = incremental(lambda: ATR(p), h, lo, c)
    tr = [h[0] - lo[0]] + [
        max(h[i] - lo[i], abs(h[i] - c[i - 1]), abs(lo[i] - c[i - 1])) for i in range(1, len(c))
    ]
    assert_close(inc, list(atr_np(h, lo, c, p)), max(h))
    assert_close(inc, naive_ema(tr, p, 1 / p), max(h))


@given(start=starts, moves=steps, p=st.integers(2, 30), k=st.floats(0.5, 3.0))
def test_bollinger_and_stdev(start: float, moves: list[float], p: int, k: float) -> None:
    x = path(start, moves)
    ind = Bollinger(p, k)
    rows = [(ind.update(v), ind.upper, ind.lower) for v in x]
    mid, up, low = bollinger_np(x, p, k)
    sd = naive_std(x, p)
    mean = [math.nan if i + 1 < p else math.fsum(x[i + 1 - p : i + 1]) / p for i in range(len(x))]
    assert_close([r[0] for r in rows], list(mid), max(x))
    assert_close([r[0] for r in rows], mean, max(x))
    assert_close([r[1] for r in rows], list(up), max(x))
    assert_close([r[1] for r in rows], [m + k * s for m, s in zip(mean, sd, strict=True)], max(x))
    assert_close([r[2] for r in rows], list(low), max(x))
    assert_close(incremental(lambda: RollingStd(p, 1), x), naive_std(x, p, 1), max(x))
    assert_close(list(rolling_std_np(x, p, 1)), naive_std(x, p, 1), max(x))


@given(start=starts, moves=steps, p=st.integers(2, 30))
def test_zscore(start: float, moves: list[float], p: int) -> None:
    x = path(start, moves)
    inc = incremental(lambda: ZScore(p), x)
    vec = list(zscore_np(x, p))
    sd = naive_std(x, p)
    naive = [
        math.nan if math.isnan(s) or s < 1e-9 * x[i] else (x[i] - math.fsum(x[i + 1 - p : i + 1]) / p) / s
        for i, s in enumerate(sd)
    ]
    for a, b, c in zip(inc, vec, naive, strict=True):
        if math.isnan(c):  # near-flat windows: the stdev is noise, so is the score
            continue
        assert a == pytest.approx(c, rel=1e-6, abs=1e-6)
        assert b == pytest.approx(c, rel=1e-6, abs=1e-6)


@given(start=starts, moves=steps, p=periods)
def test_donchian_is_exact(start: float, moves: list[float], p: int) -> None:
    h, lo, _, _ = bars(start, moves)
    ind = Donchian(p)
    rows = [(ind.update(a, b), ind.upper, ind.lower) for a, b in zip(h, lo, strict=True)]
    up, low, mid = donchian_np(h, lo, p)
    naive_up = [math.nan if i + 1 < p else max(h[i + 1 - p : i + 1]) for i in range(len(h))]
    naive_low = [math.nan if i + 1 < p else min(lo[i + 1 - p : i + 1]) for i in range(len(h))]
    assert np.array_equal([r[1] for r in rows], up, equal_nan=True)
    assert np.array_equal([r[1] for r in rows], naive_up, equal_nan=True)
    assert np.array_equal([r[2] for r in rows], low, equal_nan=True)
    assert np.array_equal([r[2] for r in rows], naive_low, equal_nan=True)
    assert np.array_equal([r[0] for r in rows], mid, equal_nan=True)


@settings(max_examples=60)
@given(start=starts, moves=steps, p=st.one_of(st.none(), periods))
def test_vwap(start: float, moves: list[float], p: int | None) -> None:
    h, lo, c, v = bars(start, moves)
    inc = incremental(lambda: VWAP(p), h, lo, c, v)
    typical = [(a + b + d) / 3 for a, b, d in zip(h, lo, c, strict=True)]
    naive = []
    for i in range(len(c)):
        j = 0 if p is None else max(0, i + 1 - p)
        naive.append(
            math.fsum(t * w for t, w in zip(typical[j : i + 1], v[j : i + 1], strict=True))
            / math.fsum(v[j : i + 1])
        )
    assert_close(inc, list(vwap_np(h, lo, c, v, p)), max(h))
    assert_close(inc, naive, max(h))


def test_vwap_reset_and_no_volume() -> None:
    ind = VWAP()
    assert math.isnan(ind.update(2, 1, 1.5, 0.0))
    assert ind.update(3, 1, 2, 10.0) == 2.0
    ind.reset()
    assert not ind.ready
    assert ind.update(6, 3, 3, 1.0) == 4.0


def test_flat_prices_keep_emas_equal_and_rsi_at_fifty() -> None:
    fast, slow, rsi = EMA(3), EMA(8), RSI(5)
    for _ in range(50):
        f, s, r = fast.update(1.1), slow.update(1.1), rsi.update(1.1)
    assert f == s == 1.1
    assert r == 50.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: EMA(0), "period"),
        (lambda: EMA(3, alpha=1.5), "alpha"),
        (lambda: MACD(26, 12), "shorter"),
        (lambda: RollingStd(1, 1), "ddof"),
        (lambda: Bollinger(20, 0), "positive"),
        (lambda: VWAP(0), "period"),
        (lambda: RSI(0), "period"),
    ],
)
def test_bad_settings_are_refused(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()
