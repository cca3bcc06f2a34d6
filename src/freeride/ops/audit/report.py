"""The audit's findings, priorities, before/after table, and its Markdown, JSON and charts.

Findings are measured costs, never opinions: time (seconds spent), calls (requests made or
repeated) or money (commission). The priority list orders the actions by that cost, time first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from freeride.core.clock import ns_to_datetime
from freeride.ops.audit.figures import MANUAL_KINDS, Figures, Timing

# (label, how to read it from the JSON, lower is better)
KEY_FIGURES: list[tuple[str, str]] = [
    ("journal entries", "events"),
    ("errors and criticals", "errors"),
    ("warnings", "warnings"),
    ("failovers", "failovers"),
    ("requests no provider answered", "unanswered"),
    ("notification retries", "notification_retries"),
    ("anomalies opened", "anomalies_total"),
    ("time in bus handlers (s)", "handler_total_s"),
    ("slowest handler p99 (s)", "handler_worst_p99_s"),
    ("slowest provider p95 (s)", "provider_worst_p95_s"),
    ("database commit p99 (s)", "db_worst_p99_s"),
    ("events dropped by queues", "queue_dropped"),
    ("manual steps", "manual_steps"),
]


HANDLER_WORTH_S = 1.0  # a handler costing less over the whole period is not worth an action


class Action(msgspec.Struct, frozen=True, kw_only=True):
    area: str
    action: str
    cost: str
    seconds: float = 0.0
    calls: int = 0


def key_figures(f: Figures) -> dict[str, float]:
    return {
        "events": f.events,
        "errors": f.by_level.get("error", 0) + f.by_level.get("critical", 0),
        "warnings": f.by_level.get("warning", 0),
        "failovers": f.failovers,
        "unanswered": f.unanswered,
        "notification_retries": f.notification_retries,
        "anomalies_total": sum(f.anomalies.values()),
        "handler_total_s": round(sum(h.total_s for h in f.handlers), 6),
        "handler_worst_p99_s": max((h.p99_s for h in f.handlers), default=0.0),
        "provider_worst_p95_s": max((p.p95_s for p in f.providers), default=0.0),
        "db_worst_p99_s": max((d.p99_s for d in f.database), default=0.0),
        "queue_dropped": sum(q.dropped for q in f.queues),
        "manual_steps": sum(f.manual.values()),
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.3f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def actions(f: Figures) -> list[Action]:
    out: list[Action] = []
    handler_total = sum(h.total_s for h in f.handlers) or 1.0
    for h in [h for h in f.handlers if h.total_s >= HANDLER_WORTH_S][:3]:
        share = h.total_s / handler_total
        out.append(
            Action(
                area="bottleneck",
                action=f"make bus handler {h.name} cheaper",
                cost=f"{h.total_s:,.3f} s over ~{h.calls:,} calls ({share:.0%} of handler time; "
                f"mean {_ms(h.mean_s)}, p99 {_ms(h.p99_s)})",
                seconds=h.total_s,
                calls=h.calls,
            )
        )
    for p in f.providers:
        failures = f.provider_failures.get(p.name, 0)
        if failures or p.p95_s > 1.0:
            wasted = failures * p.mean_s
            out.append(
                Action(
                    area="inefficiency",
                    action=f"check provider {p.name}'s plan and key, or move it down the chain",
                    cost=f"{failures:,} of {p.calls:,} calls failed (~{wasted:,.2f} s spent on them); "
                    f"p95 {_ms(p.p95_s)}",
                    seconds=wasted,
                    calls=failures,
                )
            )
    for d in f.database:
        if d.p99_s > 0.1:
            out.append(
                Action(
                    area="bottleneck",
                    action=f"speed up {d.name} commits (batch size, synchronous_commit, disk)",
                    cost=f"p99 {_ms(d.p99_s)} over {d.calls:,} commits, {d.total_s:,.2f} s in all",
                    seconds=d.total_s,
                    calls=d.calls,
                )
            )
    for q in f.queues:
        if q.dropped or (q.capacity and q.high_water >= 0.8 * q.capacity):
            out.append(
                Action(
                    area="bottleneck",
                    action=f"give queue {q.name} a faster consumer or a larger bound",
                    cost=f"{q.dropped:,} events dropped; deepest {q.high_water:,} of {q.capacity:,}",
                    calls=q.dropped,
                )
            )
    if f.failovers or f.quota_exhausted:
        out.append(
            Action(
                area="inefficiency",
                action="reorder the provider chain or raise the plan of the provider that keeps refusing",
                cost=f"{f.failovers:,} failovers, {f.quota_exhausted:,} quota exhaustions, "
                f"{f.unanswered:,} unanswered",
                calls=f.failovers + f.unanswered,
            )
        )
    if f.notification_retries or f.notifications_dead:
        out.append(
            Action(
                area="inefficiency",
                action="fix the notification channels that fail (freeride notify status)",
                cost=f"{f.notification_retries:,} retries, {f.notifications_dead:,} refused for good",
                calls=f.notification_retries + f.notifications_dead,
            )
        )
    if f.duplicate_notifications:
        out.append(
            Action(
                area="redundancy",
                action="coalesce or cool down the alerts that notify the same thing repeatedly",
                cost=f"{f.duplicate_notifications:,} notifications repeated within 5 minutes",
                calls=f.duplicate_notifications,
            )
        )
    steps = sum(f.manual.values())
    if steps:
        named = ", ".join(f"{n} × {MANUAL_KINDS[k]}" for k, n in sorted(f.manual.items()))
        out.append(
            Action(
                area="inefficiency", action="automate what the operator did by hand", cost=named, calls=steps
            )
        )
    return sorted(out, key=lambda a: (-a.seconds, -a.calls, a.action))


def to_json(f: Figures, before: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = msgspec.to_builtins(f)
    body["key_figures"] = key_figures(f)
    body["priorities"] = [msgspec.to_builtins(a) for a in actions(f)]
    body["before"] = before.get("key_figures") if before else None
    return body


def _day(ns: int) -> str:
    return ns_to_datetime(ns).strftime("%Y-%m-%d")


def _timings(title: str, rows: list[Timing], limit: int = 10) -> list[str]:
    if not rows:
        return [f"### {title}", "", "Nothing measured in this period.", ""]
    out = [
        f"### {title}",
        "",
        "| name | calls | mean | p50 | p95 | p99 | total |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in rows[:limit]:
        out.append(
            f"| {t.name} | {t.calls:,} | {_ms(t.mean_s)} | {_ms(t.p50_s)} | {_ms(t.p95_s)} | "
            f"{_ms(t.p99_s)} | {t.total_s:,.3f} s |"
        )
    return [*out, ""]


def markdown(body: dict[str, Any], f: Figures, charts: list[str]) -> str:
    lines = [
        f"# freeride audit {_day(f.start_ns)} → {_day(f.end_ns)}",
        "",
        f"{f.events:,} journal entries, {f.snapshots:,} metrics snapshots. Every figure below is measured "
        "from the journal and the metrics it recorded; costs are in time, calls or money.",
        "",
        "## Priorities",
        "",
    ]
    priorities = body["priorities"]
    if priorities:
        lines += [f"{i}. **{p['action']}** ({p['area']}): {p['cost']}" for i, p in enumerate(priorities, 1)]
    else:
        lines.append("Nothing to act on in this period.")
    lines += ["", "## Before and after", ""]
    before = body.get("before")
    lines += ["| figure | previous audit | this audit | change |", "| --- | ---: | ---: | ---: |"]
    for label, key in KEY_FIGURES:
        now = body["key_figures"][key]
        if before is None or key not in before:
            lines.append(f"| {label} | – | {now:,.6g} | – |")
        else:
            was = before[key]
            change = "=" if now == was else (f"{(now - was) / was:+.0%}" if was else "new")
            lines.append(f"| {label} | {was:,.6g} | {now:,.6g} | {change} |")
    lines += ["", "## Bottlenecks", ""]
    lines += _timings("Slowest bus handlers (time spent, estimated from one call in each sample)", f.handlers)
    lines += _timings("Provider latency", f.providers)
    lines += _timings("Database writes", f.database)
    lines += ["### Queue back-pressure", ""]
    if f.queues:
        lines += ["| queue | deepest | bound | dropped |", "| --- | ---: | ---: | ---: |"]
        lines += [f"| {q.name} | {q.high_water:,} | {q.capacity:,} | {q.dropped:,} |" for q in f.queues]
    else:
        lines.append("No queue figures in this period.")
    g = f.gateway
    saved = g.get("cache_hits", 0) + g.get("coalesced", 0)
    lines += [
        "",
        "## Redundancies",
        "",
        f"- Upstream fetches saved: {saved:,} ({g.get('cache_hits', 0):,} answered from the cache, "
        f"{g.get('coalesced', 0):,} joined a request already in flight); "
        f"{g.get('upstream_calls', 0):,} calls "
        f"reached providers.",
        f"- Fetches still duplicated: {g.get('cache_misses', 0) - g.get('coalesced', 0):,} cache misses went "
        "upstream on their own.",
        "- Repeated model calls: "
        + ("none recorded (no sentiment model ran)" if f.model_calls is None else f"{f.model_calls:,}"),
        f"- Duplicate notifications: {f.duplicate_notifications:,} delivered again within 5 minutes.",
        "",
        "## Inefficiencies",
        "",
        f"- Failovers: {f.failovers:,}; quota exhaustions: {f.quota_exhausted:,}; "
        f"unanswered requests: {f.unanswered:,}.",
        f"- Retries: {f.notification_retries:,} notification retries, "
        f"{f.notifications_dead:,} refused for good, "
        f"{f.write_failures:,} database writes retried.",
        "- Manual steps: "
        + (", ".join(f"{n} × {MANUAL_KINDS[k]}" for k, n in sorted(f.manual.items())) or "none"),
        f"- Trading: {f.fills:,} fills, {f.rejected_orders:,} orders rejected, commission {f.commission}.",
        "- Anomalies: " + (", ".join(f"{n} × {k}" for k, n in sorted(f.anomalies.items())) or "none"),
        "",
        "## Events",
        "",
        "| level | entries |",
        "| --- | ---: |",
        *[f"| {lv} | {n:,} |" for lv, n in sorted(f.by_level.items())],
        "",
        "| component | kind | entries |",
        "| --- | --- | ---: |",
        *[f"| {s} | {k} | {n:,} |" for s, k, n in f.top_kinds],
        "",
    ]
    lines += [f"![{Path(c).stem}]({c})" for c in charts]
    return "\n".join(lines) + "\n"


def charts(f: Figures, folder: Path, stem: str) -> list[str]:
    """PNG charts beside the report; their names relative to it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    made: list[str] = []
    days = sorted({d for d, _, _ in f.daily})
    if days:
        fig, ax = plt.subplots(figsize=(9, 3.5))
        bottom = [0] * len(days)
        for level in ("debug", "info", "warning", "error", "critical"):
            heights = [sum(n for d, lv, n in f.daily if d == day and lv == level) for day in days]
            if any(heights):
                ax.bar([_day(d) for d in days], heights, bottom=bottom, label=level)
                bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        ax.set_title("journal entries per day")
        ax.legend(fontsize=8)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        fig.tight_layout()
        name = f"{stem}-events.png"
        fig.savefig(folder / name, dpi=110)
        plt.close(fig)
        made.append(name)
    for title, rows, attr, suffix in (
        ("time in bus handlers (s)", f.handlers[:10], "total_s", "handlers"),
        ("provider latency p95 (s)", f.providers, "p95_s", "providers"),
    ):
        if not rows:
            continue
        fig, ax = plt.subplots(figsize=(9, 0.4 * len(rows) + 1.2))
        ax.barh([r.name for r in rows][::-1], [getattr(r, attr) for r in rows][::-1])
        ax.set_title(title)
        ax.tick_params(axis="y", labelsize=7)
        fig.tight_layout()
        name = f"{stem}-{suffix}.png"
        fig.savefig(folder / name, dpi=110)
        plt.close(fig)
        made.append(name)
    return made


def previous(folder: Path, stem: str) -> dict[str, Any] | None:
    """The newest earlier audit's JSON in ``folder`` (by name: they sort by date)."""
    earlier = sorted(p for p in folder.glob("audit-*.json") if p.stem < stem)
    if not earlier:
        return None
    loaded: dict[str, Any] = json.loads(earlier[-1].read_text(encoding="utf-8"))
    return loaded
