"""How much to trade for a given risk, for stocks and forex through one function.

The risk budget is ``equity × risk_fraction`` in the account currency. A stock's size is whole
shares; a pair's is base-currency units in micro lots (1,000), reported as lots (÷ 100,000),
with the distance to the stop in pips and the pip value of the position in the account currency.
``quote_to_account`` converts the instrument's quote currency to the account's (1 when equal).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

import msgspec

from freeride.core.instruments import Instrument

MICRO_LOT = Decimal(1_000)
STANDARD_LOT = Decimal(100_000)


def pip_size(instrument: Instrument) -> Decimal:
    """0.0001 for most pairs, 0.01 for yen pairs."""
    return Decimal("0.01") if instrument.quote_currency == "JPY" else Decimal("0.0001")


class Size(msgspec.Struct, frozen=True, kw_only=True):
    quantity: Decimal
    risk_amount: Decimal  # what hitting the stop would lose, in the account currency
    lots: Decimal | None = None
    pips_to_stop: float | None = None
    pip_value: Decimal | None = None  # of the whole position, in the account currency


def size_for(instrument: Instrument, risk_per_unit: float, budget: Decimal, quote_to_account: float) -> Size:
    if risk_per_unit <= 0 or quote_to_account <= 0:
        raise ValueError("risk per unit and the conversion rate must be positive")
    unit_risk = Decimal(repr(risk_per_unit)) * Decimal(repr(quote_to_account))
    if not instrument.is_forex:
        shares = (budget / unit_risk).to_integral_value(rounding=ROUND_FLOOR)
        return Size(quantity=shares, risk_amount=(shares * unit_risk).quantize(Decimal("0.01")))
    pip = pip_size(instrument)
    units = (budget / unit_risk / MICRO_LOT).to_integral_value(rounding=ROUND_FLOOR) * MICRO_LOT
    rate = Decimal(repr(quote_to_account))
    return Size(
        quantity=units,
        risk_amount=(units * unit_risk).quantize(Decimal("0.01")),
        lots=(units / STANDARD_LOT).quantize(Decimal("0.01")),
        pips_to_stop=round(risk_per_unit / float(pip), 1),
        pip_value=(units * pip * rate).quantize(Decimal("0.01")),
    )
