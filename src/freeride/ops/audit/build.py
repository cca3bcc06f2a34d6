"""The self-audit from the journal: read, measure, write Markdown, JSON and charts.

``measure`` reads only grouped counts and the few kinds it needs in full (metrics snapshots,
anomalies, deliveries, fills), so a fortnight of a million entries is a handful of queries.
``write`` renders off the event loop (matplotlib and file writes run in a worker thread). The
files are named by the period's last day (``audit-2026-06-14.md``); the newest earlier JSON in
the same folder is the "before" of the before/after table.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import msgspec

from freeride.core.clock import ns_to_datetime
from freeride.core.notify import Notification
from freeride.core.system import Level
from freeride.ops.audit import report
from freeride.ops.audit.figures import Figures, from_counts, from_fields, from_snapshots
from freeride.ops.snapshots import KIND as SNAPSHOT
from freeride.ports.journal import JournalQuery, JournalRepository

ALL = 10_000_000


class AuditFiles(msgspec.Struct, frozen=True, kw_only=True):
    markdown: str
    json: str
    charts: list[str]
    priorities: list[str]


async def measure(repo: JournalRepository, start_ns: int, end_ns: int) -> Figures:
    figures = Figures(start_ns=start_ns, end_ns=end_ns)
    from_counts(figures, await repo.day_counts(start_ns, end_ns))
    snapshots = await repo.query(JournalQuery(kinds=(SNAPSHOT,), start_ns=start_ns, end_ns=end_ns, limit=ALL))
    from_snapshots(figures, [r.event for r in snapshots])
    from_fields(
        figures,
        await repo.fields("anomaly", ["detector"], start_ns, end_ns),
        await repo.fields("notification_delivered", ["channel", "key"], start_ns, end_ns),
        await repo.fields("fill", ["commission"], start_ns, end_ns),
    )
    return figures


def stem_of(figures: Figures) -> str:
    return f"audit-{ns_to_datetime(figures.end_ns - 1):%Y-%m-%d}"


def _write(figures: Figures, folder: Path) -> AuditFiles:
    folder.mkdir(parents=True, exist_ok=True)
    stem = stem_of(figures)
    body = report.to_json(figures, report.previous(folder, stem))
    charts = report.charts(figures, folder, stem)
    md = folder / f"{stem}.md"
    js = folder / f"{stem}.json"
    md.write_text(report.markdown(body, figures, charts), encoding="utf-8")
    js.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return AuditFiles(
        markdown=str(md),
        json=str(js),
        charts=[str(folder / c) for c in charts],
        priorities=[f"{p['action']}: {p['cost']}" for p in body["priorities"]],
    )


async def write(figures: Figures, folder: Path) -> AuditFiles:
    return await asyncio.to_thread(_write, figures, folder)


def summary(files: AuditFiles, figures: Figures, channel: str, now_ns: int) -> Notification:
    """The audit as one message: the period, the top priorities, where the full report is."""
    top = files.priorities[:5] or ["nothing to act on"]
    period = f"{ns_to_datetime(figures.start_ns):%Y-%m-%d} → {ns_to_datetime(figures.end_ns - 1):%Y-%m-%d}"
    return Notification(
        channel=channel,
        title=f"📋 freeride audit {period}",
        text="\n".join(f"{i}. {p}" for i, p in enumerate(top, 1)),
        fields={"entries": f"{figures.events:,}", "report": Path(files.markdown).name},
        level=Level.INFO,
        source="ops",
        key=f"audit:{Path(files.markdown).stem}",
        ts_event=now_ns,
        ts_init=now_ns,
    )
