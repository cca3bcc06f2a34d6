"""The equity curve, rebuilt after the run from the fills and the closes.

Nothing is valued while the backtest runs (that would cost a multiplication per bar per symbol);
afterwards, cash and positions are step functions of the fills and the curve is a few numpy passes.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np
import numpy.typing as npt

from freeride.backtest.fills import FillTable, FloatArray, IntArray
from freeride.strategies.directional import BarArrays


class EquityCurve(msgspec.Struct, frozen=True, kw_only=True):
    """Equity after each time step (every distinct bar time of every symbol), and whether any
    position was open then."""

    ts: IntArray
    equity: FloatArray
    exposed: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.ts)


def equity_curve(table: FillTable, bars: Sequence[BarArrays], cash: float) -> EquityCurve:
    timeline = bars[0].ts if len(bars) == 1 else np.unique(np.concatenate([b.ts for b in bars]))
    n = len(timeline)
    at = np.searchsorted(timeline, table.ts)  # fills happen at a bar of the timeline
    flows = np.zeros(n)
    np.add.at(flows, at, -(table.qty * table.price) - table.commission)
    equity = cash + np.cumsum(flows)
    exposed = np.zeros(n, dtype=np.bool_)
    for k, b in enumerate(bars):
        rows = table.of(k)
        steps = np.zeros(len(b))
        np.add.at(steps, rows.bar, rows.qty)
        position = np.cumsum(steps)
        value = position * b.close
        if len(bars) == 1:
            equity += value
            exposed |= position != 0
            continue
        where = np.searchsorted(b.ts, timeline, side="right") - 1  # the symbol's last bar at each time
        seen = where >= 0
        idx = np.maximum(where, 0)
        equity += np.where(seen, value[idx], 0.0)
        exposed |= seen & (position[idx] != 0)
    return EquityCurve(ts=timeline, equity=equity, exposed=exposed)
