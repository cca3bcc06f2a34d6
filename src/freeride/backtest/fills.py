"""Fills as columns: what equity curves, trades and metrics are computed from (in float).

The booked ``Decimal`` figures stay the truth for cash and P&L; these float columns are for the
curves and statistics over them, where a rounding error of 1e-12 cannot show.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

import msgspec
import numpy as np
import numpy.typing as npt

from freeride.core.orders import Fill, Side
from freeride.strategies.directional import BarArrays

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class FillTable(msgspec.Struct, frozen=True, kw_only=True):
    """One row per fill, in time order: symbol index, bar index within that symbol's bars, time,
    signed quantity, price and commission."""

    symbols: tuple[str, ...]
    sym: IntArray
    bar: IntArray
    ts: IntArray
    qty: FloatArray
    price: FloatArray
    commission: FloatArray

    def __len__(self) -> int:
        return len(self.ts)

    def of(self, k: int) -> FillTable:
        """The rows of symbol ``k``."""
        mask = self.sym == k
        return FillTable(
            symbols=self.symbols,
            sym=self.sym[mask],
            bar=self.bar[mask],
            ts=self.ts[mask],
            qty=self.qty[mask],
            price=self.price[mask],
            commission=self.commission[mask],
        )

    def positions_after(self) -> FloatArray:
        """Each fill's symbol position after it (fills of one symbol only)."""
        return np.cumsum(self.qty)

    def trades_opened(self) -> int:
        """Positions opened, a flip counting as a new one (per symbol, vectorised)."""
        total = 0
        for k in range(len(self.symbols)):
            rows = self.of(k)
            after = rows.positions_after()
            before = after - rows.qty
            opened = (after != 0) & ((before == 0) | (np.sign(before) != np.sign(after)))
            total += int(opened.sum())
        return total


def table_from_fills(fills: Sequence[Fill], bars: Sequence[BarArrays]) -> FillTable:
    symbols = tuple(b.symbol for b in bars)
    index = {s: k for k, s in enumerate(symbols)}
    n = len(fills)
    buy = Side.BUY
    # one pass per column: ``float`` of each Decimal is most of the cost, and a column at a time
    # builds no row tuples
    sym = np.fromiter(map(index.__getitem__, map(attrgetter("symbol"), fills)), np.int64, n)
    ts = np.fromiter(map(attrgetter("ts_event"), fills), np.int64, n)
    size = np.fromiter(map(float, map(attrgetter("quantity"), fills)), np.float64, n)
    bought = np.fromiter([f.side is buy for f in fills], np.bool_, n)
    qty = np.where(bought, size, -size)
    price = np.fromiter(map(float, map(attrgetter("price"), fills)), np.float64, n)
    commission = np.fromiter(map(float, map(attrgetter("commission"), fills)), np.float64, n)
    bar = np.zeros(n, dtype=np.int64)
    for k, b in enumerate(bars):
        mask = sym == k
        bar[mask] = np.searchsorted(b.ts, ts[mask])
    return FillTable(symbols=symbols, sym=sym, bar=bar, ts=ts, qty=qty, price=price, commission=commission)
