"""What one backtest runs: strategy, parameters, money and execution rules (data comes apart).

A spec is a frozen msgspec struct of plain values, so a sweep ships it to worker processes (or,
later, to another machine) as bytes, and a stored run records it as JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from freeride.core.errors import InvalidInput
from freeride.exchange.costs import NO_IMPACT, Commission, PercentCommission, PriceImpact
from freeride.exchange.engine import ExchangeConfig, FillTiming
from freeride.strategies.registry import parse_params
from freeride.strategies.sizing import SizedParams


class BacktestSpec(msgspec.Struct, frozen=True, kw_only=True):
    strategy: str
    params: dict[str, Any] = msgspec.field(default_factory=dict)
    cash: Decimal = Decimal(100_000)
    currency: str = "USD"
    fill_timing: FillTiming = FillTiming.NEXT_OPEN
    commission: Commission = msgspec.field(default_factory=lambda: PercentCommission(Decimal(0)))
    impact: PriceImpact = NO_IMPACT

    def __post_init__(self) -> None:
        if not self.cash.is_finite() or self.cash <= 0:
            raise InvalidInput(f"starting cash must be positive, got {self.cash}")

    def typed_params(self) -> SizedParams:
        """The validated parameters; raises ``InvalidInput`` naming the bad one."""
        return parse_params(self.strategy, self.params)

    def with_params(self, **changes: Any) -> BacktestSpec:
        return msgspec.structs.replace(self, params={**self.params, **changes})

    def exchange_config(self) -> ExchangeConfig:
        return ExchangeConfig(
            commission=self.commission,
            fill_timing=self.fill_timing,
            name="backtest",
            impact=self.impact,
            account_updates=False,
            position_updates=False,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = msgspec.to_builtins(self)
        return out
