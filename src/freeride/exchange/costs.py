"""Trading costs charged by the simulated exchange: commission, spread and slippage.

Each model answers in ``Decimal`` for the booked fill and in float arrays for the vectorised
backtest, from one definition, so both paths charge the same. They are frozen msgspec structs:
a sweep ships them to worker processes and a stored run records them as plain JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

import msgspec
import numpy as np
import numpy.typing as npt

CENT = Decimal("0.01")
ZERO = Decimal(0)
FloatArray = npt.NDArray[np.float64]


class CommissionModel(Protocol):
    def charge(self, quantity: Decimal, price: Decimal) -> Decimal:
        """Commission for one fill of ``quantity`` (unsigned) at ``price``."""
        ...

    def charge_array(self, quantity: FloatArray, price: FloatArray) -> FloatArray: ...


def _not_negative(**values: Decimal) -> None:
    bad = {k: v for k, v in values.items() if v < 0}
    if bad:
        shown = ", ".join(f"{k} {v}" for k, v in bad.items())
        raise ValueError(f"commission must not be negative ({shown})")


class PercentCommission(msgspec.Struct, frozen=True, tag="percent"):
    """A fraction of traded notional (0.001 = 0.1 %), with an optional minimum per fill."""

    rate: Decimal
    minimum: Decimal = ZERO

    def __post_init__(self) -> None:
        _not_negative(rate=self.rate, minimum=self.minimum)

    def charge(self, quantity: Decimal, price: Decimal) -> Decimal:
        return max(abs(quantity) * price * self.rate, self.minimum)

    def charge_array(self, quantity: FloatArray, price: FloatArray) -> FloatArray:
        return np.maximum(np.abs(quantity) * price * float(self.rate), float(self.minimum))


class PerUnitCommission(msgspec.Struct, frozen=True, tag="per_unit"):
    """A fixed amount per share (or unit), with an optional minimum per fill (broker-style)."""

    per_unit: Decimal
    minimum: Decimal = ZERO

    def __post_init__(self) -> None:
        _not_negative(per_unit=self.per_unit, minimum=self.minimum)

    def charge(self, quantity: Decimal, price: Decimal) -> Decimal:
        return max(abs(quantity) * self.per_unit, self.minimum)

    def charge_array(self, quantity: FloatArray, price: FloatArray) -> FloatArray:
        return np.maximum(np.abs(quantity) * float(self.per_unit), float(self.minimum))


class PerLotCommission(msgspec.Struct, frozen=True, tag="per_lot"):
    """A fixed amount per lot (forex: per 100,000 units by default), pro rata for part lots."""

    per_lot: Decimal
    lot_size: Decimal = Decimal(100_000)

    def __post_init__(self) -> None:
        _not_negative(per_lot=self.per_lot)
        if self.lot_size <= 0:
            raise ValueError(f"lot size must be positive, got {self.lot_size}")

    def charge(self, quantity: Decimal, price: Decimal) -> Decimal:
        return abs(quantity) / self.lot_size * self.per_lot

    def charge_array(self, quantity: FloatArray, price: FloatArray) -> FloatArray:
        return np.abs(quantity) / float(self.lot_size) * float(self.per_lot)


Commission = PercentCommission | PerUnitCommission | PerLotCommission


class PriceImpact(msgspec.Struct, frozen=True, tag="impact"):
    """How far a market fill lands from the bar's price, against the trader.

    ``spread`` is the full bid-ask spread in price units (a buy pays half of it, a sell gives half
    up); ``spread_rate`` the same as a fraction of price. ``slippage`` (price units) and
    ``slippage_rate`` (fraction) move every market or stop fill further against the trader.
    Limit orders fill at their limit or better and pay none of it.
    """

    spread: Decimal = ZERO
    spread_rate: Decimal = ZERO
    slippage: Decimal = ZERO
    slippage_rate: Decimal = ZERO

    def __post_init__(self) -> None:
        for name in ("spread", "spread_rate", "slippage", "slippage_rate"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")

    @property
    def is_zero(self) -> bool:
        return not (self.spread or self.spread_rate or self.slippage or self.slippage_rate)

    def adjust(self, price: Decimal, sign: int) -> Decimal:
        """The price a market order of ``sign`` (+1 buy, -1 sell) pays when the bar says ``price``."""
        if self.is_zero:
            return price
        away = self.spread / 2 + self.slippage + price * (self.spread_rate / 2 + self.slippage_rate)
        return price + away if sign > 0 else price - away

    def adjust_array(self, price: FloatArray, sign: FloatArray) -> FloatArray:
        if self.is_zero:
            return price
        away = float(self.spread / 2 + self.slippage) + price * float(
            self.spread_rate / 2 + self.slippage_rate
        )
        return price + np.sign(sign) * away


NO_IMPACT = PriceImpact()
