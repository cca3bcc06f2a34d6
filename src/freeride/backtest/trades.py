"""Round trips from fills: a trade opens when a position leaves zero (or flips) and closes when it
returns to zero (or flips again), with its excursions while it was open.

MAE / MFE (maximum adverse / favourable excursion) are the worst and best unrealised P&L the trade
showed at any bar's low or high between its entry and exit bars, in the quote currency.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec
import numpy as np

from freeride.backtest.fills import FillTable
from freeride.strategies.directional import BarArrays


class Trade(msgspec.Struct, frozen=True, kw_only=True):
    symbol: str
    side: str  # "long" or "short"
    quantity: float  # the largest size held during the trade
    entry_ts: int
    exit_ts: int
    entry_bar: int
    exit_bar: int
    entry_price: float  # average
    exit_price: float  # average; the last close for a trade still open
    pnl: float  # net of the commissions of its fills
    commission: float
    return_pct: float  # pnl over the entry notional
    bars_held: int
    mae: float
    mfe: float
    open: bool


class _Open:
    __slots__ = (
        "closed_qty",
        "closed_value",
        "commission",
        "entry_bar",
        "entry_ts",
        "max_qty",
        "qty",
        "value",
    )

    def __init__(self, bar: int, ts: int) -> None:
        self.entry_bar = bar
        self.entry_ts = ts
        self.qty = 0.0  # signed
        self.value = 0.0  # signed cost of what is open (qty * avg price)
        self.max_qty = 0.0
        self.closed_qty = 0.0
        self.closed_value = 0.0
        self.commission = 0.0


def build_trades(table: FillTable, bars: Sequence[BarArrays]) -> list[Trade]:
    trades: list[Trade] = []
    for k, b in enumerate(bars):
        trades.extend(_symbol_trades(table.of(k), b))
    trades.sort(key=lambda t: (t.entry_ts, t.symbol))
    return trades


def _symbol_trades(rows: FillTable, b: BarArrays) -> list[Trade]:
    out: list[Trade] = []
    cur: _Open | None = None
    entry_notional = 0.0
    for bar, ts, qty, price, fee in zip(
        rows.bar.tolist(),
        rows.ts.tolist(),
        rows.qty.tolist(),
        rows.price.tolist(),
        rows.commission.tolist(),
        strict=True,
    ):
        remaining = qty
        if cur is not None and (cur.qty > 0) != (qty > 0):  # reduces, closes or flips
            closing = min(abs(qty), abs(cur.qty))
            share = closing / abs(qty)
            avg = cur.value / cur.qty
            direction = 1.0 if cur.qty > 0 else -1.0
            cur.closed_qty += closing
            cur.closed_value += closing * price
            cur.commission += fee * share
            cur.qty -= closing * direction
            cur.value = cur.qty * avg
            remaining = qty + closing * direction
            fee *= 1 - share
            if cur.qty == 0:
                out.append(_close(cur, b, bar, ts, direction, avg, entry_notional))
                cur = None
        if remaining != 0:
            if cur is None:
                cur = _Open(bar, ts)
                entry_notional = 0.0
            cur.qty += remaining
            cur.value += remaining * price
            cur.commission += fee
            cur.max_qty = max(cur.max_qty, abs(cur.qty))
            entry_notional += abs(remaining) * price
    if cur is not None and cur.qty != 0:
        last = len(b) - 1
        direction = 1.0 if cur.qty > 0 else -1.0
        avg = cur.value / cur.qty
        cur.closed_qty += abs(cur.qty)
        cur.closed_value += abs(cur.qty) * float(b.close[last])
        out.append(_close(cur, b, last, int(b.ts[last]), direction, avg, entry_notional, still_open=True))
    return out


def _close(
    cur: _Open,
    b: BarArrays,
    bar: int,
    ts: int,
    direction: float,
    avg: float,
    entry_notional: float,
    still_open: bool = False,
) -> Trade:
    exit_price = cur.closed_value / cur.closed_qty
    gross = (exit_price - avg) * cur.closed_qty * direction
    pnl = gross - cur.commission
    lo = float(np.min(b.low[cur.entry_bar : bar + 1]))
    hi = float(np.max(b.high[cur.entry_bar : bar + 1]))
    best, worst = (hi, lo) if direction > 0 else (lo, hi)
    return Trade(
        symbol=b.symbol,
        side="long" if direction > 0 else "short",
        quantity=cur.max_qty,
        entry_ts=cur.entry_ts,
        exit_ts=ts,
        entry_bar=cur.entry_bar,
        exit_bar=bar,
        entry_price=avg,
        exit_price=exit_price,
        pnl=pnl,
        commission=cur.commission,
        return_pct=100.0 * pnl / entry_notional if entry_notional else math.nan,
        bars_held=bar - cur.entry_bar,
        mae=min(0.0, (worst - avg) * direction * cur.max_qty),
        mfe=max(0.0, (best - avg) * direction * cur.max_qty),
        open=still_open,
    )
