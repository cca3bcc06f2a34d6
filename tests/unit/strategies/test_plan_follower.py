"""The plan follower: plans traded through the ordinary strategy API, the same on both paths."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import numpy as np
import pytest

from freeride.core.errors import InvalidInput
from freeride.core.market import Bar
from freeride.core.plans import PlanDirection
from freeride.strategies.directional import BarArrays, direction_changes
from freeride.strategies.plan_follower import PlanFollower, PlanMachine, load_plans
from freeride.strategies.registry import build_strategy, parse_params
from freeride.testing.research_builders import plan

DAY = 86_400 * 1_000_000_000


def _bars(closes: list[float]) -> list[Bar]:
    return [
        Bar(
            symbol="AAPL",
            interval="1d",
            open=c,
            high=c + 0.5,
            low=c - 0.5,
            close=c,
            volume=1,
            ts_event=k * DAY,
            ts_init=0,
        )
        for k, c in enumerate(closes)
    ]


def _file(tmp_path: Path, *plans: object) -> str:
    path = tmp_path / "plans.jsonl"
    path.write_text(
        "\n".join(json.dumps({"plan": msgspec.to_builtins(p), "outcome": None}) for p in plans) + "\n"
    )
    return str(path)


def test_machine_enters_in_the_zone_once_and_exits_at_the_target() -> None:
    p = msgspec.structs.replace(plan(entry=100.0, stop=95.0, ts_s=0), plan_id="AAPL#1")  # zone 99.5–100.5
    machine = PlanMachine([p], 0.0)
    steps = [machine.step(k * DAY, c + 0.5, c - 0.5, c) for k, c in enumerate([100, 103, 100, 101, 108, 100])]
    assert steps[0] == (False, 0, False, False)  # the plan's own bar: not active yet
    assert steps[1] == (False, 0, False, False)  # out of the zone
    assert steps[2] == (True, 1, False, False)
    assert steps[4] == (False, 0, True, False)  # close 108 ≥ target1 107.5
    assert steps[5] == (False, 0, False, False)  # the plan was used


def test_backtest_paths_agree_and_short_plans_are_traded(tmp_path: Path) -> None:
    long = msgspec.structs.replace(plan(entry=100.0, stop=95.0, ts_s=0), plan_id="AAPL#1")
    short = msgspec.structs.replace(
        plan(entry=110.0, stop=115.0, ts_s=6 * 86_400, direction=PlanDirection.SHORT), plan_id="AAPL#2"
    )
    closes = [100, 103, 100, 101, 108, 109, 110, 110, 104, 103, 102]
    params = parse_params("plan_follower", {"plans": _file(tmp_path, long, short), "size": "10"})
    strategy = build_strategy("plan_follower", "pf", "AAPL", params)
    assert isinstance(strategy, PlanFollower)
    bars = _bars(closes)
    held = []

    class Ctx:
        def now_ns(self) -> int:
            return 0

        def emit_signal(self, signal: object) -> None:
            pass

        def submit(self, intent: object) -> None:
            pass

    strategy.bind(Ctx())
    for bar in bars:
        strategy.on_bar(bar)
        held.append(strategy.direction)
    arrays = BarArrays(
        symbol="AAPL",
        interval="1d",
        ts=np.array([b.ts_event for b in bars], dtype=np.int64),
        open=np.array(closes, float),
        high=np.array(closes, float) + 0.5,
        low=np.array(closes, float) - 0.5,
        close=np.array(closes, float),
        volume=np.ones(len(bars)),
    )
    at, taken = direction_changes(PlanFollower.vector_rules(params, arrays))
    changes = [(i, d) for i, d in enumerate(held) if d != (held[i - 1] if i else 0)]
    assert [(int(a), int(t)) for a, t in zip(at, taken, strict=True)] == changes
    assert changes == [(2, 1), (4, 0), (7, -1), (10, 0)]  # the short exits at close 102 ≤ target1 102.5


def test_a_bad_plans_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"plan": {"symbol": "AAPL"}}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:1: not a trade plan"):
        load_plans(str(bad), "AAPL")
    with pytest.raises(InvalidInput, match="does not exist"):
        parse_params("plan_follower", {"plans": str(tmp_path / "missing.jsonl")})
