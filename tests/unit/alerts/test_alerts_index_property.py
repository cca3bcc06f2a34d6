"""The sorted index fires exactly what a brute-force scan of every rule fires, tick by tick."""

from __future__ import annotations

import asyncio
import math

from alert_rig import Rig, rule
from hypothesis import given, settings
from hypothesis import strategies as st

from freeride.core.alerts import AlertKind, AlertRule

KINDS = [
    AlertKind.ABOVE,
    AlertKind.BELOW,
    AlertKind.CROSSES_ABOVE,
    AlertKind.CROSSES_BELOW,
    AlertKind.CROSSES,
]
SYMBOLS = ["AAPL", "EUR/USD", "BRK.B"]
price = st.integers(1, 12).map(float) | st.floats(0.5, 12.5, allow_nan=False)

rules_st = st.lists(
    st.tuples(
        st.sampled_from(SYMBOLS), st.sampled_from(KINDS), price, st.booleans(), st.sampled_from([0, 1, 3])
    ),
    max_size=40,
)
ticks_st = st.lists(st.tuples(st.sampled_from(SYMBOLS), price, st.integers(0, 2)), max_size=80)


def _condition(kind: AlertKind, t: float, prev: float, x: float) -> bool:
    up = not math.isnan(prev) and prev < t <= x
    down = not math.isnan(prev) and prev > t >= x
    return {
        AlertKind.ABOVE: x >= t,
        AlertKind.BELOW: x <= t,
        AlertKind.CROSSES_ABOVE: up,
        AlertKind.CROSSES_BELOW: down,
        AlertKind.CROSSES: up or down,
    }[kind]


def brute_force(rules: list[AlertRule], ticks: list[tuple[str, float, int]]) -> list[set[str]]:
    """Every rule checked on every tick of its symbol: the oracle."""
    active = {r.id: True for r in rules}
    armed_at = {r.id: 0.0 for r in rules}
    last: dict[str, float] = {}
    now = 0.0
    out = []
    for symbol, x, gap in ticks:
        now += gap
        prev = last.get(symbol, math.nan)
        last[symbol] = x
        fired = set()
        for r in rules:
            assert r.threshold is not None
            if r.symbol != symbol or not active[r.id] or armed_at[r.id] > now:
                continue
            if _condition(r.kind, r.threshold, prev, x):
                fired.add(r.id)
                if r.repeat:
                    armed_at[r.id] = now + r.cooldown_s
                else:
                    active[r.id] = False
        out.append(fired)
    return out


def through_engine(rules: list[AlertRule], ticks: list[tuple[str, float, int]]) -> list[set[str]]:
    async def run() -> list[set[str]]:
        rig = await Rig().start()
        rig.engine.load((r, None) for r in rules)
        now = 0.0
        out = []
        for symbol, x, gap in ticks:
            now += gap
            out.append(set(rig.trade(symbol, x, at_s=now)))
        return out

    return asyncio.run(run())


@settings(max_examples=300, deadline=None)
@given(rules_st, ticks_st)
def test_index_fires_what_brute_force_fires(
    raw_rules: list[tuple[str, AlertKind, float, bool, int]], ticks: list[tuple[str, float, int]]
) -> None:
    rules = [
        rule(f"r{i}", sym, kind, t, repeat=repeat, cooldown_s=float(cooldown))
        for i, (sym, kind, t, repeat, cooldown) in enumerate(raw_rules)
    ]
    assert through_engine(rules, ticks) == brute_force(rules, ticks)
