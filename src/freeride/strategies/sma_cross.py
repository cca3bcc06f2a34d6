"""Moving-average crossover: long when the fast SMA crosses above the slow one, short (or flat) below."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import msgspec

from freeride.core.market import Bar
from freeride.indicators.sma import SMA
from freeride.strategies.base import Strategy


class SmaCrossParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    fast: int = 10
    slow: int = 30
    quantity: Decimal = Decimal(1)
    allow_short: bool = True

    def __post_init__(self) -> None:
        if self.fast < 1 or self.slow < 1:
            raise ValueError(f"fast and slow must be at least 1 (fast={self.fast}, slow={self.slow})")
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be shorter than slow ({self.slow})")
        if self.quantity <= 0:
            raise ValueError(f"quantity must be positive, got {self.quantity}")


class SmaCross(Strategy):
    """A cross needs a strict change of side: equal averages on either bar are not a cross."""

    kind: ClassVar[str] = "sma_cross"

    def __init__(self, strategy_id: str, symbol: str, params: SmaCrossParams) -> None:
        super().__init__(strategy_id, (symbol,))
        self.params = params
        self._fast = SMA(params.fast)
        self._slow = SMA(params.slow)
        self._prev: tuple[float, float] | None = None

    def on_bar(self, bar: Bar) -> None:
        fast = self._fast.update(bar.close)
        slow = self._slow.update(bar.close)
        if not self._slow.ready:
            return
        prev = self._prev
        self._prev = (fast, slow)
        if prev is None:
            return
        p = self.params
        if prev[0] < prev[1] and fast > slow:
            self.target(bar.symbol, p.quantity, bar.ts_event, f"SMA{p.fast} crossed above SMA{p.slow}")
        elif prev[0] > prev[1] and fast < slow:
            target = -p.quantity if p.allow_short else Decimal(0)
            self.target(bar.symbol, target, bar.ts_event, f"SMA{p.fast} crossed below SMA{p.slow}")
