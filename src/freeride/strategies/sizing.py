"""Position sizing shared by every built-in strategy: stocks and forex take one code path.

A size is given in units (shares, or base-currency units of a pair), in lots (``lot_size`` units
each: 100,000 for a standard forex lot, 100 for a round lot of shares) or as a notional amount in
the quote currency, turned into whole units at the signal bar's close.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

import msgspec

ONE = Decimal(1)
MAX_SIZE = Decimal("1e12")
"""No account trades more (units, lots or notional); past it, quantities overflow the exchange's
decimal precision deep inside a run instead of failing here."""


class Sizing(StrEnum):
    UNITS = "units"
    LOTS = "lots"
    NOTIONAL = "notional"


class SizedParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Parameters every built-in shares: how much to hold and whether shorts are allowed.

    ``size`` is read as ``sizing`` says; ``allow_short=False`` makes a short signal a plain exit.
    """

    size: Decimal = ONE
    sizing: Sizing = Sizing.UNITS
    lot_size: Decimal = Decimal(100_000)
    allow_short: bool = True

    def __post_init__(self) -> None:
        for name, value in (("size", self.size), ("lot_size", self.lot_size)):
            if not value.is_finite() or value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")
            if value > MAX_SIZE:
                raise ValueError(f"{name} must be at most {MAX_SIZE:,.0f}, got {value}")

    @property
    def units(self) -> Decimal:
        """The size in units (``size``; strategies with an older name for it override this)."""
        return self.size

    @property
    def fixed_quantity(self) -> Decimal | None:
        """The quantity when it does not depend on price, else ``None`` (notional sizing)."""
        if self.sizing is Sizing.UNITS:
            return self.units
        if self.sizing is Sizing.LOTS:
            return self.units * self.lot_size
        return None

    def quantity_at(self, price: float) -> Decimal:
        """Units to hold at ``price``: notional sizing buys whole units, never more than the amount."""
        fixed = self.fixed_quantity
        if fixed is not None:
            return fixed
        return (self.units / Decimal(repr(price))).to_integral_value(rounding=ROUND_FLOOR)
