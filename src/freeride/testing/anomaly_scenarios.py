"""A simulated live session for the anomaly monitor: a day of normal operation, with or without
one injected fault, on simulated time. Shared by the tests and ``benchmarks/ops.py``.

Normal: EUR/USD ticks every second (a weekday: the forex week is open), provider latency around
50 ms (±20 %, a mean per 5 s interval), a failover now and then, a rare error, a fill every ten
minutes slipping about 2 bps, equity drifting by small steps. Faults (starting at ``fault_at_s``):
``error_burst`` (30 errors in 30 s), ``latency_step`` (5× latency), ``stalled_feed`` (ticks
stop), ``provider_down`` (the provider's circuit opens, requests fail over), ``fast_drawdown``
(equity falls 8 % in ten minutes).
"""

from __future__ import annotations

import random

import msgspec

from freeride.core.anomaly import Anomaly, AnomalyResolved
from freeride.core.clock import NS_PER_SECOND
from freeride.core.system import Level, SystemEvent
from freeride.ops.anomaly.monitor import Monitor, Rules

FAULTS = ("error_burst", "latency_step", "stalled_feed", "provider_down", "fast_drawdown")
DETECTOR_OF = {
    "error_burst": "error_burst",
    "latency_step": "latency_step",
    "stalled_feed": "stalled_feed",
    "provider_down": "provider_down",
    "fast_drawdown": "drawdown_speed",
}
WEDNESDAY = 1_780_488_000 * NS_PER_SECOND  # 2026-06-03 12:00 UTC


class Outcome(msgspec.Struct, kw_only=True):
    fault: str | None
    opened: list[Anomaly]
    detected: bool
    delay_s: float | None


def _event(kind: str, level: Level, ts: int, **data: str) -> SystemEvent:
    return SystemEvent(
        source="gateway", kind=kind, level=level, message=kind, data=dict(data), ts_event=ts, ts_init=ts
    )


def run_session(
    fault: str | None = None, *, hours: float = 24.0, fault_at_s: float = 6 * 3_600.0, seed: int = 7
) -> Outcome:
    """Drive a monitor through ``hours`` of a simulated session; what opened and, for a fault,
    how long after it started its anomaly opened."""
    rng = random.Random(seed)
    opened: list[Anomaly] = []

    def emit(e: Anomaly | AnomalyResolved) -> None:
        if isinstance(e, Anomaly):
            opened.append(e)

    monitor = Monitor(emit, Rules())
    start = WEDNESDAY
    fault_ns = start + int(fault_at_s * NS_PER_SECOND)
    equity = 100_000.0
    monitor.watch("EUR/USD", start)
    for second in range(int(hours * 3_600)):
        now = start + second * NS_PER_SECOND
        faulty = fault is not None and now >= fault_ns
        since = (now - fault_ns) / NS_PER_SECOND
        if not (faulty and fault == "stalled_feed"):
            monitor.tick("EUR/USD", now)
        if second % 5 == 0:
            latency = 0.05 * rng.uniform(0.8, 1.2)
            if faulty and fault == "latency_step":
                latency *= 5
            monitor.latency("provider:finnhub", latency, now)
            monitor.check(now)
        if rng.random() < 1 / 3_600:
            monitor.system(_event("failover", Level.WARNING, now))
        if rng.random() < 1 / 7_200:
            monitor.system(_event("stream_stopped", Level.ERROR, now))
        if faulty and fault == "error_burst" and since < 30:
            monitor.system(_event("no_provider", Level.ERROR, now))
        if faulty and fault == "provider_down" and since == 0:
            monitor.system(
                _event("circuit", Level.WARNING, now, provider="finnhub", to="open", reason="HTTP 503")
            )
        if faulty and fault == "provider_down" and since < 600 and second % 10 == 0:
            monitor.system(_event("failover", Level.WARNING, now))
        if second % 600 == 0:
            monitor.slippage("EUR/USD", rng.gauss(2.0, 1.0), now)
        if second % 60 == 0:
            equity *= 1 + rng.gauss(0.0, 0.0005)
            if faulty and fault == "fast_drawdown" and since < 600:
                equity *= 1 - 0.08 / 10
            monitor.equity("paper", equity, now)
    delay: float | None = None
    detected = False
    if fault is not None:
        hits = [a for a in opened if a.detector == DETECTOR_OF[fault] and a.ts_event >= fault_ns]
        if hits:
            detected = True
            delay = (hits[0].ts_event - fault_ns) / NS_PER_SECOND
    return Outcome(fault=fault, opened=opened, detected=detected, delay_s=delay)
