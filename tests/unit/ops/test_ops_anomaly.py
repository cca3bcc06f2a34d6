"""Detectors on synthetic series with known change points (delay and false alarms asserted), the
monitor's rules on a simulated day with each fault injected, and the watch telling the operator once."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.cli.main import app
from freeride.core.anomaly import Anomaly, AnomalyResolved
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.market import Quote
from freeride.core.notify import Notification
from freeride.core.system import Level, SystemEvent
from freeride.ops.anomaly.bank import DetectorBank
from freeride.ops.anomaly.detectors import Ewma, Rate, RobustZ, Shift
from freeride.ops.anomaly.monitor import Monitor, Rules
from freeride.ops.anomaly.watch import AnomalyWatch
from freeride.testing.anomaly_scenarios import FAULTS, run_session
from freeride.testing.fakes.waiting import until


def series(n: int, change_at: int, before: float, after: float, noise: float, seed: int = 3) -> list[float]:
    rng = random.Random(seed)
    return [(before if i < change_at else after) + rng.gauss(0, noise) for i in range(n)]


@pytest.mark.parametrize("make", [Ewma, RobustZ])
def test_point_detectors_flag_a_spike_and_nothing_else(make: type) -> None:
    values = series(2_000, 10_000, 100.0, 100.0, 1.0)
    values[1_500] = 130.0
    detector = make()
    flagged = [i for i, v in enumerate(values) if detector.update(v).alarm]
    assert flagged == [1_500]


def test_level_shift_is_found_within_a_few_points_with_no_false_alarm_before() -> None:
    values = series(3_000, 2_000, 0.05, 0.25, 0.005)
    shift = Shift()
    alarms = [i for i, v in enumerate(values) if shift.update(v).alarm]
    assert alarms
    assert all(i >= 2_000 for i in alarms)
    assert alarms[0] - 2_000 <= 5  # detection delay, in points


def test_level_shift_down_too_and_small_drift_ignored() -> None:
    down = series(1_000, 600, 10.0, 4.0, 0.2)
    shift = Shift()
    assert min(i for i, v in enumerate(down) if shift.update(v).alarm) - 600 <= 5
    drift = [100 + i * 0.0001 + random.Random(i).gauss(0, 1) for i in range(3_000)]
    quiet = Shift()
    assert not any(quiet.update(v).alarm for v in drift)


def test_rate_counts_a_sliding_window() -> None:
    rate = Rate(window_s=10, limit=3)
    s = NS_PER_SECOND
    assert [rate.update(t * s).alarm for t in (0, 1, 2, 3, 20)] == [False, False, False, True, False]
    assert rate.count(31 * s) == 0


def test_the_bank_finds_steps_in_some_series_and_leaves_the_rest_alone() -> None:
    rng = np.random.default_rng(5)
    data = rng.normal(100, 5, (1_500, 200))
    data[1_000:, :5] *= 5
    bank = DetectorBank(200)
    first: dict[int, int] = {}
    false = 0
    for i, row in enumerate(data):
        flags = bank.update(row)
        if i < 1_000:
            false += int(flags.sum())
        for j in np.nonzero(flags[:5])[0]:
            first.setdefault(int(j), i - 1_000)
    assert false == 0
    assert sorted(first) == [0, 1, 2, 3, 4]
    assert max(first.values()) <= 5


def test_a_clean_simulated_day_opens_nothing() -> None:
    assert run_session(None, hours=24).opened == []


@pytest.mark.parametrize("fault", FAULTS)
def test_each_injected_fault_is_detected_soon_and_alone(fault: str) -> None:
    outcome = run_session(fault, hours=3, fault_at_s=3_600)
    assert outcome.detected, [a.key for a in outcome.opened]
    assert outcome.delay_s is not None
    assert outcome.delay_s <= 600
    assert {a.detector for a in outcome.opened} <= {
        "error_burst",
        "latency_step",
        "stalled_feed",
        "provider_down",
        "drawdown_speed",
        "failover_storm",
    }


def test_a_stall_counts_only_while_the_market_is_open_and_resolves_with_data() -> None:
    seen: list[Anomaly | AnomalyResolved] = []
    open_hours = {"AAPL": False}
    monitor = Monitor(seen.append, Rules(stall_after_s=60), session=lambda s, _t: open_hours[s])
    s = NS_PER_SECOND
    monitor.tick("AAPL", 0)
    monitor.check(300 * s)
    assert seen == []  # closed: silence is normal
    open_hours["AAPL"] = True
    monitor.check(400 * s)
    assert [e.key for e in seen] == ["stalled_feed:AAPL"]
    monitor.check(500 * s)
    assert len(seen) == 1  # once
    monitor.tick("AAPL", 501 * s)
    assert isinstance(seen[-1], AnomalyResolved)
    assert seen[-1].duration_ns == 101 * s


def test_a_replay_has_no_stall_or_rate_rules() -> None:
    seen: list[Anomaly | AnomalyResolved] = []
    monitor = Monitor(seen.append, Rules(live=False, stall_after_s=1))
    monitor.tick("GOOG", 0)
    monitor.check(10_000 * NS_PER_SECOND)
    assert seen == []


class Outbox:
    def __init__(self) -> None:
        self.items: list[Notification] = []

    async def enqueue(self, notifications: list[Notification]) -> list[int]:
        self.items.extend(notifications)
        return list(range(len(notifications)))


async def test_the_watch_publishes_journals_and_notifies_once_per_opening_and_resolution() -> None:
    clock = ManualClock(1_000 * NS_PER_SECOND)
    bus = InMemoryBus(clock)
    outbox = Outbox()
    published: list[object] = []
    bus.subscribe(topics.ALL_ANOMALIES, published.append)
    watch = AnomalyWatch(
        bus,
        clock,
        outbox=outbox,
        channels=["ops"],
        rules=Rules(stall_after_s=30),
        symbols=["EUR/USD"],
        every_s=5,
    )  # type: ignore[arg-type]
    await watch.start()
    for _ in range(20):  # 100 s with no EUR/USD data
        clock.advance(5)
        await until(lambda: clock.sleepers == 1)
    assert [type(e).__name__ for e in published] == ["Anomaly"]
    bus.publish(
        topics.quote("EUR/USD"), Quote(symbol="EUR/USD", bid=1, ask=1.1, ts_event=0, ts_init=clock.now_ns())
    )
    clock.advance(5)
    await until(lambda: len(outbox.items) == 2)
    await watch.stop()
    assert [type(e).__name__ for e in published] == ["Anomaly", "AnomalyResolved"]
    assert [n.title for n in outbox.items] == [
        "⚠️ anomaly: stalled_feed:EUR/USD",
        "✅ resolved: stalled_feed:EUR/USD",
    ]
    assert all(n.channel == "ops" and n.source == "ops" for n in outbox.items)


async def test_errors_from_ops_itself_never_feed_the_error_burst() -> None:
    seen: list[Anomaly | AnomalyResolved] = []
    monitor = Monitor(seen.append, Rules(error_burst=2))
    for i in range(5):
        monitor.system(
            SystemEvent(source="ops", kind="x", level=Level.ERROR, message="m", ts_event=i, ts_init=i)
        )
    assert seen == []


def test_scan_flags_the_spike_and_the_shift_and_refuses_bad_rows(tmp_path: Path) -> None:
    values = series(500, 400, 100.0, 120.0, 1.0)
    values[300] = 140.0
    good = tmp_path / "s.csv"
    good.write_text("t,v\n" + "".join(f"{1_700_000_000 + 60 * i},{v:.4f}\n" for i, v in enumerate(values)))
    result = CliRunner().invoke(
        app, ["anomalies", "scan", str(good), "--time-column", "t", "--value-column", "v", "--json"]
    )
    assert result.exit_code == 0, result.output
    flagged = [json.loads(line) for line in result.stdout.splitlines()]
    assert {(f["line"], f["detector"]) for f in flagged} >= {(302, "ewma_z"), (302, "robust_z")}
    assert any(f["detector"] == "level_shift" and 402 <= f["line"] <= 410 for f in flagged)
    assert all(f["line"] >= 302 for f in flagged)
    bad = tmp_path / "bad.csv"
    bad.write_text("t,v\n1700000000,1\n1700000060,abc\n")
    refused = CliRunner().invoke(app, ["anomalies", "scan", str(bad), "--json"])
    assert refused.exit_code == 2
    assert "bad.csv:3: value 'abc' is not a number" in refused.stderr
    missing = CliRunner().invoke(app, ["anomalies", "scan", str(bad), "--value-column", "price"])
    assert "no column 'price' (--value-column)" in missing.stderr
