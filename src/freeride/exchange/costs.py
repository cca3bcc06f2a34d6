"""Trading costs charged by the simulated exchange."""

from __future__ import annotations

from decimal import Decimal

import msgspec

CENT = Decimal("0.01")


class PercentCommission(msgspec.Struct, frozen=True):
    """A fraction of traded notional (0.001 = 0.1 %), with an optional minimum per fill."""

    rate: Decimal
    minimum: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.rate < 0 or self.minimum < 0:
            raise ValueError(f"commission must not be negative (rate {self.rate}, minimum {self.minimum})")

    def charge(self, quantity: Decimal, price: Decimal) -> Decimal:
        return max(abs(quantity) * price * self.rate, self.minimum)
