"""Bar arrays for the backtest tests (imported by name: pytest puts this folder on the path)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from freeride.strategies.directional import BarArrays

MINUTE_NS = 60_000_000_000


def arrays(
    close: Sequence[float], symbol: str = "RW", interval: str = "1m", start_ns: int = 1_600_000_000 * 10**9
) -> BarArrays:
    """Bars whose open is the previous close and whose range covers both."""
    c = np.asarray(close, dtype=np.float64)
    o = np.concatenate(([c[0]], c[:-1]))
    step = {"1m": MINUTE_NS, "1h": 60 * MINUTE_NS, "1d": 1440 * MINUTE_NS}[interval]
    return BarArrays(
        symbol=symbol,
        interval=interval,
        ts=start_ns + np.arange(len(c), dtype=np.int64) * step,
        open=o,
        high=np.maximum(o, c) * 1.001,
        low=np.minimum(o, c) * 0.999,
        close=c,
        volume=np.ones(len(c)),
    )


def random_walk(
    n: int, seed: int, symbol: str = "RW", sigma: float = 0.01, decimals: int | None = None
) -> BarArrays:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, sigma, n)))
    if decimals is not None:
        close = np.round(close, decimals)
    return arrays(close, symbol)
