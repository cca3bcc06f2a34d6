"""How a plan worked out, read from the bars after it (``freeride plans evaluate``).

Walking the bars after the plan's own bar: it enters when a bar trades into the entry zone (a buy
fills at the zone's top or the open, whichever is lower; a sell mirrors it). Inside a bar the stop
is checked before the target, the least favourable order. Half the position is taken off at target
1 and the stop moves to the entry; the rest goes to target 2, back to the entry, or the expiry's
close. The result is in R, the risk per unit from the fill to the stop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from freeride.core.market import Bar
from freeride.core.plans import OutcomeKind, PlanOutcome, TradePlan


def evaluate(plan: TradePlan, bars: Iterable[Bar]) -> PlanOutcome:
    sign = plan.direction.sign
    fill: float | None = None
    entered_at: int | None = None
    half_done = False
    half_r = 0.0
    last_close: float | None = None
    seen = 0
    for bar in bars:
        if bar.ts_event <= plan.ts_event:
            continue
        if bar.ts_event >= plan.expires_at:
            if fill is None:
                return PlanOutcome(
                    plan_id=plan.plan_id,
                    symbol=plan.symbol,
                    outcome=OutcomeKind.NOT_TRIGGERED,
                    resolved_at=bar.ts_event,
                    bars_seen=seen,
                )
            return _expired(plan, fill, entered_at, half_done, half_r, last_close or fill, bar.ts_event, seen)
        seen += 1
        if fill is None:
            if bar.low <= plan.entry_high and bar.high >= plan.entry_low:
                fill = min(bar.open, plan.entry_high) if sign > 0 else max(bar.open, plan.entry_low)
                entered_at = bar.ts_event
            else:
                last_close = bar.close
                continue
        risk = abs(fill - plan.stop) or 1e-12
        stop = fill if half_done else plan.stop
        hit_stop = bar.low <= stop if sign > 0 else bar.high >= stop
        if hit_stop:
            exit_price = min(bar.open, stop) if sign > 0 else max(bar.open, stop)
            r = sign * (exit_price - fill) / risk
            if half_done:
                return PlanOutcome(
                    plan_id=plan.plan_id,
                    symbol=plan.symbol,
                    outcome=OutcomeKind.TARGET,
                    r_multiple=round(half_r + 0.5 * r, 4),
                    entered_at=entered_at,
                    entry_price=fill,
                    exit_price=exit_price,
                    resolved_at=bar.ts_event,
                    bars_seen=seen,
                )
            return PlanOutcome(
                plan_id=plan.plan_id,
                symbol=plan.symbol,
                outcome=OutcomeKind.STOP,
                r_multiple=round(r, 4),
                entered_at=entered_at,
                entry_price=fill,
                exit_price=exit_price,
                resolved_at=bar.ts_event,
                bars_seen=seen,
            )
        if not half_done and _reached(bar, plan.target1, sign):
            half_done = True
            half_r = 0.5 * sign * (plan.target1 - fill) / risk
        if half_done and _reached(bar, plan.target2, sign):
            r2 = sign * (plan.target2 - fill) / risk
            return PlanOutcome(
                plan_id=plan.plan_id,
                symbol=plan.symbol,
                outcome=OutcomeKind.TARGET,
                r_multiple=round(half_r + 0.5 * r2, 4),
                entered_at=entered_at,
                entry_price=fill,
                exit_price=plan.target2,
                target2_hit=True,
                resolved_at=bar.ts_event,
                bars_seen=seen,
            )
        last_close = bar.close
    return PlanOutcome(
        plan_id=plan.plan_id,
        symbol=plan.symbol,
        outcome=OutcomeKind.OPEN,
        entered_at=entered_at,
        entry_price=fill,
        bars_seen=seen,
    )


def _reached(bar: Bar, level: float, sign: int) -> bool:
    return bar.high >= level if sign > 0 else bar.low <= level


def _expired(
    plan: TradePlan,
    fill: float,
    entered_at: int | None,
    half_done: bool,
    half_r: float,
    close: float,
    at: int,
    seen: int,
) -> PlanOutcome:
    sign = plan.direction.sign
    risk = abs(fill - plan.stop) or 1e-12
    rest = 0.5 * sign * (close - fill) / risk
    r = half_r + rest if half_done else 2 * rest
    return PlanOutcome(
        plan_id=plan.plan_id,
        symbol=plan.symbol,
        outcome=OutcomeKind.TARGET if half_done else OutcomeKind.EXPIRED,
        r_multiple=round(r, 4),
        entered_at=entered_at,
        entry_price=fill,
        exit_price=close,
        resolved_at=at,
        bars_seen=seen,
    )


class TrackRecord:
    """Hit rate and average R per symbol over decided plans (entered and finished)."""

    def __init__(self, outcomes: Sequence[PlanOutcome]) -> None:
        self.by_symbol: dict[str, dict[str, float]] = {}
        for symbol in sorted({o.symbol for o in outcomes}):
            mine = [o for o in outcomes if o.symbol == symbol]
            decided = [o for o in mine if o.decided]
            hits = sum(1 for o in decided if o.outcome is OutcomeKind.TARGET)
            self.by_symbol[symbol] = {
                "plans": len(mine),
                "decided": len(decided),
                "hits": hits,
                "hit_rate": round(hits / len(decided), 4) if decided else 0.0,
                "avg_r": round(sum(o.r_multiple for o in decided) / len(decided), 4) if decided else 0.0,
                "open": sum(1 for o in mine if o.outcome is OutcomeKind.OPEN),
                "not_triggered": sum(1 for o in mine if o.outcome is OutcomeKind.NOT_TRIGGERED),
            }
