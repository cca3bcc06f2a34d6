"""Trade plans and their outcomes: one shape for stocks and forex.

A plan says what to do about one symbol now: direction, where to enter, where it is wrong (stop),
where to take profit (two targets), how much (from the risk per trade), until when, and why,
citing every input with its value and the stories behind it. Plans are events
(``research.plan.<symbol>``), stored and versioned: a new plan for a symbol supersedes the old one.
Forex plans also carry pips, lots and the pip value in the account currency.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

import msgspec


class PlanDirection(StrEnum):
    LONG = "long"
    SHORT = "short"

    @property
    def sign(self) -> int:
        return 1 if self is PlanDirection.LONG else -1


class PlanInput(msgspec.Struct, frozen=True, kw_only=True):
    """One number the plan was built from (``rsi14`` = 58.2), with what it says."""

    name: str
    value: float
    reading: str = ""


class TradePlan(msgspec.Struct, frozen=True, kw_only=True):
    """A plan for one symbol; ``plan_id`` is ``<symbol>#<version>``.

    Prices are floats like market data; the size and money are ``Decimal``. ``quantity`` is in
    shares for a stock and base-currency units for a pair (``lots`` = units / 100,000 then).
    ``pip_value`` is what one pip is worth for the whole position in ``account_currency``;
    ``risk_amount`` what the stop would lose (about ``equity × risk_fraction``).
    """

    plan_id: str
    symbol: str
    asset_class: str
    version: int
    direction: PlanDirection
    entry_low: float
    entry_high: float
    stop: float
    target1: float
    target2: float
    quantity: Decimal
    lots: Decimal | None = None
    pips_to_stop: float | None = None
    pip_value: Decimal | None = None
    risk_amount: Decimal
    account_currency: str
    reward_risk: float
    confidence: float
    interval: str
    inputs: tuple[PlanInput, ...] = ()
    story_ids: tuple[str, ...] = ()
    rationale: str = ""
    supersedes: str = ""
    expires_at: int
    ts_event: int  # the last bar the plan was built on (its close)
    ts_init: int

    @property
    def entry(self) -> float:
        """The middle of the entry zone: where risk and reward are measured from."""
        return (self.entry_low + self.entry_high) / 2

    @property
    def risk_per_unit(self) -> float:
        return abs(self.entry - self.stop)


class OutcomeKind(StrEnum):
    OPEN = "open"  # entered or waiting, not yet expired
    NOT_TRIGGERED = "not_triggered"  # expired before price reached the entry zone
    TARGET = "target"  # the first target was hit before the stop
    STOP = "stop"  # the stop was hit first
    EXPIRED = "expired"  # entered, neither stop nor target before the expiry


class PlanOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """How a plan worked out, from the bars after it.

    ``r_multiple``: the result in units of the planned risk (half the position at target 1, the
    rest at target 2 or at the entry once target 1 was hit; the whole at the stop otherwise).
    """

    plan_id: str
    symbol: str
    outcome: OutcomeKind
    r_multiple: float = 0.0
    entered_at: int | None = None
    entry_price: float | None = None
    exit_price: float | None = None
    target2_hit: bool = False
    resolved_at: int | None = None
    bars_seen: int = 0

    @property
    def decided(self) -> bool:
        """Counted in the hit rate: entered and finished (target, stop or expiry)."""
        return self.outcome in (OutcomeKind.TARGET, OutcomeKind.STOP, OutcomeKind.EXPIRED)
