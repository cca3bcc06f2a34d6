"""Trade the research's plans through the ordinary strategy API: backtest them, paper-trade them.

A plan is active from the bar after it was made until it expires or a newer plan for the symbol
replaces it. While flat, the follower enters the active plan's direction on the first bar that
trades into its entry zone (each plan at most once, and only plans with at least
``min_confidence``); it exits when a close reaches the plan's stop or first target, or when the
plan expires. Plans come from a JSON-lines file (``freeride plans list --json`` writes one) or are
handed over one by one with ``add_plan`` (a live run feeds them from ``research.plan.<symbol>``).
The same state machine drives ``on_bar`` and the vectorised ``vector_rules``, so both paths trade
the same bars.
"""

from __future__ import annotations

import bisect
import json
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import numpy as np

from freeride.core.market import Bar
from freeride.core.plans import PlanDirection, TradePlan
from freeride.strategies.directional import BarArrays, DirectionalStrategy, VectorRules
from freeride.strategies.sizing import SizedParams


class PlanFollowerParams(SizedParams, frozen=True, kw_only=True, forbid_unknown_fields=True):
    plans: str = ""  # a JSON-lines file of plans; empty: plans arrive through ``add_plan``
    min_confidence: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be within [0, 1], got {self.min_confidence}")
        if self.plans and not Path(self.plans).is_file():
            raise ValueError(f"plans file {self.plans!r} does not exist")


def load_plans(path: str, symbol: str) -> list[TradePlan]:
    """The plans for ``symbol`` in a JSON-lines file: plain plans or ``{"plan": …, "outcome": …}``."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw: Any = json.loads(line)
            raw = raw.get("plan", raw) if isinstance(raw, dict) else raw
            plan = msgspec.convert(raw, TradePlan, strict=False)
        except (ValueError, msgspec.ValidationError) as exc:
            raise ValueError(f"{path}:{n}: not a trade plan ({exc})") from None
        if plan.symbol == symbol:
            out.append(plan)
    return out


class PlanMachine:
    """Which plan is active at each bar, and what that means: enter, exit long, exit short."""

    def __init__(self, plans: list[TradePlan], min_confidence: float) -> None:
        self.min_confidence = min_confidence
        self._plans: list[TradePlan] = []
        self._made: list[int] = []
        self.held: TradePlan | None = None
        self.used: set[str] = set()
        for plan in plans:
            self.add(plan)

    def add(self, plan: TradePlan) -> None:
        at = bisect.bisect_right(self._made, plan.ts_event)
        self._made.insert(at, plan.ts_event)
        self._plans.insert(at, plan)

    def active(self, ts: int) -> TradePlan | None:
        at = bisect.bisect_left(self._made, ts) - 1  # made strictly before this bar
        if at < 0:
            return None
        plan = self._plans[at]
        return plan if ts < plan.expires_at else None

    def step(self, ts: int, high: float, low: float, close: float) -> tuple[bool, int, bool, bool]:
        """``(entering, direction, exit_long, exit_short)`` for one bar."""
        exit_long = exit_short = False
        held = self.held
        if held is not None:
            long = held.direction is PlanDirection.LONG
            done = ts >= held.expires_at or (
                (close <= held.stop or close >= held.target1)
                if long
                else (close >= held.stop or close <= held.target1)
            )
            if done:
                exit_long, exit_short = long, not long
                self.held = None
        plan = self.active(ts)
        if (
            self.held is None
            and not (exit_long or exit_short)
            and plan is not None
            and plan.plan_id not in self.used
            and plan.confidence >= self.min_confidence
            and low <= plan.entry_high
            and high >= plan.entry_low
        ):
            self.used.add(plan.plan_id)
            self.held = plan
            return True, plan.direction.sign, False, False
        return False, 0, exit_long, exit_short


class PlanFollower(DirectionalStrategy[PlanFollowerParams]):
    kind: ClassVar[str] = "plan_follower"

    def __init__(self, strategy_id: str, symbol: str, params: PlanFollowerParams) -> None:
        super().__init__(strategy_id, symbol, params)
        plans = load_plans(params.plans, symbol) if params.plans else []
        self.machine = PlanMachine(plans, params.min_confidence)

    def add_plan(self, plan: TradePlan) -> None:
        if plan.symbol == self.symbol:
            self.machine.add(plan)

    def on_bar(self, bar: Bar) -> None:
        entering, direction, exit_long, exit_short = self.machine.step(
            bar.ts_event, bar.high, bar.low, bar.close
        )
        held = self.machine.held
        why = f"plan {held.plan_id}" if held is not None else "plan stop, target or expiry"
        if entering and direction < 0 and not self.params.allow_short:
            return
        self.apply(bar, entering, direction, exit_long, exit_short, why)

    @classmethod
    def vector_rules(cls, params: PlanFollowerParams, bars: BarArrays) -> VectorRules:
        machine = PlanMachine(
            load_plans(params.plans, bars.symbol) if params.plans else [], params.min_confidence
        )
        n = len(bars)
        entering = np.zeros(n, dtype=np.bool_)
        enter = np.zeros(n, dtype=np.int8)
        exit_long = np.zeros(n, dtype=np.bool_)
        exit_short = np.zeros(n, dtype=np.bool_)
        for i in range(n):
            e, d, xl, xs = machine.step(
                int(bars.ts[i]), float(bars.high[i]), float(bars.low[i]), float(bars.close[i])
            )
            if e and (d > 0 or params.allow_short):
                entering[i], enter[i] = True, d
            exit_long[i], exit_short[i] = xl, xs
        return VectorRules(entering=entering, enter=enter, exit_long=exit_long, exit_short=exit_short)
