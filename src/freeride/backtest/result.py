"""What a backtest returns: the booked account, the fills, and everything derived from them.

Curves, trades and metrics are computed on first use, so a sweep that ranks by one number does not
pay for a report it never draws.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np

from freeride.backtest.equity import EquityCurve, equity_curve
from freeride.backtest.fills import FillTable
from freeride.backtest.metrics import Metrics, compute_metrics
from freeride.backtest.spec import BacktestSpec
from freeride.backtest.trades import Trade, build_trades
from freeride.core.errors import InvalidInput
from freeride.core.orders import Fill
from freeride.exchange.portfolio import Portfolio
from freeride.strategies.directional import BarArrays

CENT = Decimal("0.01")


def check_bars(bars: Sequence[BarArrays]) -> None:
    """Refuse input a backtest cannot mean anything on, before any work."""
    if not bars:
        raise InvalidInput("no bars to backtest: give at least one data file")
    seen: set[str] = set()
    for b in bars:
        if len(b) == 0:
            raise InvalidInput(f"{b.symbol}: no bars to backtest")
        if b.symbol in seen:
            raise InvalidInput(f"{b.symbol} is given twice; give each symbol one series")
        seen.add(b.symbol)
        if len(b) > 1 and not bool(np.all(b.ts[1:] > b.ts[:-1])):
            raise InvalidInput(f"{b.symbol}: bar times must strictly increase")


class BacktestResult:
    def __init__(
        self,
        *,
        engine: str,
        spec: BacktestSpec,
        bars: tuple[BarArrays, ...],
        table: FillTable,
        fills: list[Fill] | None,
        portfolio: Portfolio | None,
        signals: int,
        wall_seconds: float,
        settle: Callable[[], tuple[list[Fill], Portfolio]] | None = None,
    ) -> None:
        self.engine = engine
        self.spec = spec
        self.bars = bars
        self.table = table
        self._fills = fills
        self._portfolio = portfolio
        self._settle = settle
        self.signals = signals
        self.wall_seconds = wall_seconds

    # -- the booked account (Decimal) -------------------------------------------------------------
    def settle(self) -> None:
        """Book the fills in ``Decimal`` if this path has not yet (the vectorised one defers it)."""
        if self._portfolio is None:
            assert self._settle is not None
            self._fills, self._portfolio = self._settle()

    @property
    def portfolio(self) -> Portfolio:
        self.settle()
        assert self._portfolio is not None
        return self._portfolio

    @property
    def fills(self) -> list[Fill]:
        self.settle()
        assert self._fills is not None
        return self._fills

    @property
    def final_equity(self) -> Decimal:
        return self.portfolio.equity

    @property
    def final_cash(self) -> Decimal:
        return self.portfolio.cash

    @property
    def commission(self) -> Decimal:
        return sum((h.commission for h in self.portfolio.holdings.values()), Decimal(0))

    @property
    def trades_opened(self) -> int:
        """Positions opened (a flip opens one); needs no settlement."""
        if self._portfolio is not None:
            return sum(h.trades_opened for h in self._portfolio.holdings.values())
        return self.table.trades_opened()

    @property
    def bar_count(self) -> int:
        return sum(len(b) for b in self.bars)

    # -- derived (float) ------------------------------------------------------------------------
    @cached_property
    def equity(self) -> EquityCurve:
        return equity_curve(self.table, self.bars, float(self.spec.cash))

    @property
    def final_equity_float(self) -> float:
        return float(self.equity.equity[-1])

    @cached_property
    def trades(self) -> list[Trade]:
        return build_trades(self.table, self.bars)

    @cached_property
    def metrics(self) -> Metrics:
        return compute_metrics(
            self.equity, self.trades, float(self.spec.cash), float(self.table.commission.sum())
        )

    def summary(self) -> dict[str, Any]:
        """Plain JSON: the headline numbers, every metric and the spec; money as cents and exact text."""
        final = self.final_equity
        out: dict[str, Any] = {
            "strategy": self.spec.strategy,
            "engine": self.engine,
            "symbols": [b.symbol for b in self.bars],
            "bars": self.bar_count,
            "start": int(self.equity.ts[0]),
            "end": int(self.equity.ts[-1]),
            "trades": self.trades_opened,
            "fills": len(self.table),
            "final_equity": float(final.quantize(CENT)),
            "final_equity_exact": str(final),
            "final_cash": str(self.final_cash),
            "starting_cash": str(self.spec.cash),
            "commission": str(self.commission),
            "positions": {s: str(h.quantity) for s, h in self.portfolio.holdings.items()},
        }
        out.update(self.metrics.to_json())
        out["spec"] = self.spec.to_json()
        out["wall_seconds"] = round(self.wall_seconds, 4)
        return out
