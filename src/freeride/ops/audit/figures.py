"""What the audit measures, from the journal's counts and metrics snapshots (pure: no I/O).

Everything here is a sum or a merge of stored figures, so the audit of a period is exact whatever
processes ran in it: event counts from the journal grouped by component, kind and level; latency
histograms merged bucket by bucket from the ``metrics_snapshot`` entries; counters summed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

import msgspec

from freeride.core.latency import LatencyHistogram
from freeride.core.system import SystemEvent
from freeride.ops.snapshots import decode
from freeride.ports.journal import DayCount

MANUAL_KINDS = {
    "halt_kill": "kill switch engaged",
    "halt_released": "halt released (resume)",
    "approved": "order approved by hand",
    "approval_rejected": "order rejected by hand",
    "channel_enabled": "notification channel re-enabled by hand",
    "session_restored": "broker session restored",
}


class Timing(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    calls: int
    mean_s: float
    p50_s: float
    p95_s: float
    p99_s: float
    total_s: float


class Queue(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    high_water: int
    capacity: int
    dropped: int


class Figures(msgspec.Struct, kw_only=True):
    start_ns: int
    end_ns: int
    events: int = 0
    by_level: dict[str, int] = msgspec.field(default_factory=dict)
    by_component: dict[str, int] = msgspec.field(default_factory=dict)
    top_kinds: list[tuple[str, str, int]] = msgspec.field(default_factory=list)
    daily: list[tuple[int, str, int]] = msgspec.field(default_factory=list)
    snapshots: int = 0
    handlers: list[Timing] = msgspec.field(default_factory=list)
    providers: list[Timing] = msgspec.field(default_factory=list)
    provider_failures: dict[str, int] = msgspec.field(default_factory=dict)
    database: list[Timing] = msgspec.field(default_factory=list)
    rows_written: int = 0
    write_failures: int = 0
    queues: list[Queue] = msgspec.field(default_factory=list)
    bus_events: dict[str, int] = msgspec.field(default_factory=dict)
    gateway: dict[str, int] = msgspec.field(default_factory=dict)
    failovers: int = 0
    unanswered: int = 0
    quota_exhausted: int = 0
    notifications_delivered: int = 0
    notification_retries: int = 0
    notifications_dead: int = 0
    duplicate_notifications: int = 0
    model_calls: int | None = None
    manual: dict[str, int] = msgspec.field(default_factory=dict)
    anomalies: dict[str, int] = msgspec.field(default_factory=dict)
    fills: int = 0
    rejected_orders: int = 0
    commission: str = "0"


def _count(counts: Sequence[DayCount], kind: str) -> int:
    return sum(c.count for c in counts if c.kind == kind)


def timing(name: str, h: LatencyHistogram, scale: int = 1) -> Timing:
    """``scale``: calls per observation (bus handlers are timed on one event in ``scale``)."""
    return Timing(
        name=name,
        calls=h.count * scale,
        mean_s=round(h.mean, 9),
        p50_s=round(h.quantile(0.5), 9),
        p95_s=round(h.quantile(0.95), 9),
        p99_s=round(h.quantile(0.99), 9),
        total_s=round(h.sum * scale, 6),
    )


def from_counts(figures: Figures, counts: Sequence[DayCount]) -> None:
    figures.events = sum(c.count for c in counts)
    per_kind: dict[tuple[str, str], int] = {}
    per_day: dict[tuple[int, str], int] = {}
    for c in counts:
        figures.by_level[c.level.value] = figures.by_level.get(c.level.value, 0) + c.count
        figures.by_component[c.source] = figures.by_component.get(c.source, 0) + c.count
        per_kind[c.source, c.kind] = per_kind.get((c.source, c.kind), 0) + c.count
        per_day[c.day_ns, c.level.value] = per_day.get((c.day_ns, c.level.value), 0) + c.count
    figures.by_level = dict(sorted(figures.by_level.items()))
    figures.by_component = dict(sorted(figures.by_component.items()))
    figures.top_kinds = [
        (s, k, n) for (s, k), n in sorted(per_kind.items(), key=lambda x: (-x[1], x[0]))[:15]
    ]
    figures.daily = [(day, level, n) for (day, level), n in sorted(per_day.items())]
    figures.failovers = _count(counts, "failover")
    figures.unanswered = _count(counts, "no_provider")
    figures.quota_exhausted = _count(counts, "quota_exhausted")
    figures.notifications_delivered = _count(counts, "notification_delivered")
    figures.notification_retries = _count(counts, "notification_retrying")
    figures.notifications_dead = _count(counts, "notification_dead")
    figures.fills = _count(counts, "fill")
    figures.rejected_orders = _count(counts, "order_rejected")
    figures.manual = {kind: n for kind in MANUAL_KINDS if (n := _count(counts, kind))}


def from_snapshots(figures: Figures, snapshots: Iterable[SystemEvent]) -> None:
    """Merge every snapshot's histograms and sum its counters (see ``ops.snapshots``)."""
    hist: dict[str, LatencyHistogram] = {}
    sums: dict[str, float] = {}
    highs: dict[str, float] = {}
    sample_every = 1
    for snap in snapshots:
        figures.snapshots += 1
        for key, value in snap.data.items():
            if isinstance(value, str):
                h = decode(value)
                merged = hist.get(key)
                if merged is None:
                    hist[key] = h
                else:
                    merged.merge(h)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                if key.endswith((".high_water", ".capacity")):
                    highs[key] = max(highs.get(key, 0.0), float(value))
                elif key == "bus.sample_every":
                    sample_every = int(value)
                else:
                    sums[key] = sums.get(key, 0.0) + float(value)

    def group(prefix: str, scale: int = 1) -> list[Timing]:
        found = [timing(k[len(prefix) :], h, scale) for k, h in hist.items() if k.startswith(prefix)]
        return sorted(found, key=lambda t: (-t.total_s, t.name))

    figures.handlers = group("handler.", sample_every)
    figures.providers = group("provider.")
    figures.database = group("db.")
    figures.provider_failures = {
        k[len("provider_failures.") :]: int(v)
        for k, v in sorted(sums.items())
        if k.startswith("provider_failures.")
    }
    figures.rows_written = int(sum(v for k, v in sums.items() if k.startswith("rows.")))
    figures.write_failures = int(sum(v for k, v in sums.items() if k.startswith("write_failures.")))
    figures.bus_events = {k[len("bus.") :]: int(v) for k, v in sorted(sums.items()) if k.startswith("bus.")}
    figures.gateway = {
        k[len("gateway.") :]: int(v) for k, v in sorted(sums.items()) if k.startswith("gateway.")
    }
    names = sorted({k.split(".")[1] for k in highs if k.startswith("queue.")})
    figures.queues = [
        Queue(
            name=n,
            high_water=int(highs.get(f"queue.{n}.high_water", 0)),
            capacity=int(highs.get(f"queue.{n}.capacity", 0)),
            dropped=int(sums.get(f"queue.{n}.dropped", 0)),
        )
        for n in names
    ]


Fields = Sequence[tuple[int, tuple[str | None, ...]]]


def from_fields(figures: Figures, anomalies: Fields, deliveries: Fields, commissions: Fields) -> None:
    """Anomalies by detector, notifications repeated within 5 minutes, commission paid."""
    for _, (detector,) in anomalies:
        name = detector or "?"
        figures.anomalies[name] = figures.anomalies.get(name, 0) + 1
    figures.anomalies = dict(sorted(figures.anomalies.items()))
    seen: dict[tuple[str | None, str | None], int] = {}
    for ts, (channel, key) in deliveries:
        last = seen.get((channel, key))
        if last is not None and ts - last < 300 * 1_000_000_000:
            figures.duplicate_notifications += 1
        seen[channel, key] = ts
    total = Decimal(0)
    for _, (commission,) in commissions:
        try:
            total += Decimal(commission or "0")
        except InvalidOperation:
            continue
    figures.commission = str(total)
