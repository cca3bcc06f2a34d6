"""Builds operations from ``Settings``: the journal, its retention, and the process's own entries.

``OpsSetup.components`` is in start order and goes right after the recorder (so what they write
at start and stop is stored) and before the components whose facts they journal.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

import freeride
from freeride.bus.memory import InMemoryBus
from freeride.bus.redis import RedisBus
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.core.component import Component
from freeride.core.errors import InvalidInput
from freeride.core.instruments import Instrument, parse_instrument
from freeride.core.system import Detail
from freeride.gateway.service import MarketDataGateway
from freeride.journal.component import Journal
from freeride.journal.process import ProcessJournal
from freeride.journal.retention import JournalRetention
from freeride.ops.anomaly.monitor import Rules, SessionCheck, always_open
from freeride.ops.anomaly.watch import AnomalyWatch
from freeride.ops.audit.schedule import AuditSchedule
from freeride.ops.bus_streams import register_stream_bus
from freeride.ops.exporters import register_bus, register_process, register_writer, topic_family
from freeride.ops.metrics import Metrics
from freeride.ops.observer import Observer
from freeride.ops.snapshots import MetricsSnapshot
from freeride.ops.tracing import ChainSpans, provider_from_env
from freeride.ports.bus import CausalBus
from freeride.ports.calendar import MarketHours
from freeride.storage.recorder import Recorder
from freeride.storage.repositories import JournalRepository, OutboxRepository


@dataclass
class OpsSetup:
    journal: Journal | None
    retention: JournalRetention | None
    process: ProcessJournal
    metrics: Metrics
    observer: Observer
    watch: AnomalyWatch | None = None
    snapshot: MetricsSnapshot | None = None
    extra: list[Component] = field(default_factory=list)

    @property
    def components(self) -> list[Component]:
        first: list[Component] = [self.process]
        if self.retention is not None:
            first.append(self.retention)
        if self.journal is not None:
            first.append(self.journal)
        more: list[Component] = [c for c in (self.watch, self.snapshot) if c is not None]
        return [*first, self.observer, *more, *self.extra]

    def watch_recorder(self, recorder: Recorder) -> None:
        """The recorder's commit times and rows on ``/metrics``; its commit latency watched."""
        register_writer(self.metrics, "recorder", recorder)
        if self.watch is not None:
            self.watch.add_latency("db_write", lambda: recorder.write_latency)
        if self.snapshot is not None:
            self.snapshot.histograms("db", lambda: {"recorder": recorder.write_latency})
            self.snapshot.counters("rows", lambda: {"recorder": recorder.flushed_rows})
            self.snapshot.counters("write_failures", lambda: {"recorder": recorder.write_failures})

    def watch_gateway(self, gateway: MarketDataGateway) -> None:
        """Each provider's latency watched for level shifts."""
        if self.watch is not None:
            self.watch.add_latency("provider", gateway.latencies)
        if self.snapshot is not None:
            self.snapshot.histograms("provider", gateway.latencies)
            self.snapshot.counters(
                "provider_failures", lambda: {s.name: s.failures for s in gateway.status()}
            )
            self.snapshot.counters(
                "gateway",
                lambda: {
                    "upstream_calls": gateway.upstream_calls,
                    "cache_hits": gateway.cache_hits,
                    "cache_misses": gateway.cache_misses,
                    "coalesced": gateway.coalesced,
                    "failovers": gateway.failovers,
                    "unanswered": gateway.unanswered,
                },
            )


def build_ops(
    settings: Settings,
    bus: CausalBus,
    engine: AsyncEngine,
    clock: Clock,
    *,
    role: str = "engine",
    environ: Mapping[str, str] | None = None,
    hours: MarketHours | None = None,
    symbols: Sequence[str] = (),
) -> OpsSetup:
    """Everything ready to start; nothing touches the database until started.

    ``environ`` (the process's environment by default) holds the standard OpenTelemetry and Azure
    Monitor variables; with neither set no span is ever made. ``hours`` says when each market is
    open (a stalled feed counts only then; without it every market counts as always open);
    ``symbols`` are watched for stalls from the start, before their first tick.
    """
    ops = settings.ops
    repo = JournalRepository(engine)
    metrics = Metrics()
    register_process(metrics)
    if isinstance(bus, InMemoryBus):
        register_bus(metrics, bus)
    if isinstance(bus, RedisBus):
        register_stream_bus(metrics, bus)
    provider = provider_from_env(os.environ if environ is None else environ)
    extra: list[Component] = []
    if provider is not None and ops.journal:
        extra.append(ChainSpans(bus, provider))
    observer = Observer(bus, metrics)
    watch = None
    if ops.anomalies:
        watch = AnomalyWatch(
            bus,
            clock,
            outbox=OutboxRepository(engine),
            channels=anomaly_channels(settings),
            journal=repo,
            session=session_check(hours) if hours is not None else always_open,
            rules=Rules(live=role != "run", stall_after_s=ops.stall_after_s),
            topic_counts=bus.topic_counts if isinstance(bus, InMemoryBus) else None,
            symbols=symbols,
        )
        observer.slippage_listeners.append(watch.on_slippage)
    snapshot = MetricsSnapshot(bus, clock, every_s=ops.snapshot_every_s) if ops.snapshot_every_s > 0 else None
    if snapshot is not None and isinstance(bus, InMemoryBus):
        watch_bus(snapshot, bus)
    if ops.audit_every_days > 0 and role != "run":
        extra.append(
            AuditSchedule(
                bus,
                clock,
                repo,
                Path(ops.audit_dir),
                every_days=ops.audit_every_days,
                outbox=OutboxRepository(engine),
                channels=ops.audit_channels,
            )
        )
    return OpsSetup(
        journal=Journal(bus, clock) if ops.journal else None,
        retention=JournalRetention(repo, clock, ops.retention_days, every_s=ops.retention_every_s)
        if ops.retention_every_s > 0
        else None,
        process=ProcessJournal(bus, clock, repo, describe_process, settings_sections(settings), role=role),
        metrics=metrics,
        observer=observer,
        watch=watch,
        snapshot=snapshot,
        extra=extra,
    )


def watch_bus(snapshot: MetricsSnapshot, bus: InMemoryBus) -> None:
    """The bus's figures in the metrics snapshots: events per family, handler times, queues."""

    def families() -> dict[str, float]:
        totals: dict[str, float] = {}
        for topic, n in bus.topic_counts().items():
            family = topic_family(topic)
            totals[family] = totals.get(family, 0) + n
        return totals

    snapshot.counters("bus", families)
    snapshot.histograms("handler", lambda: bus.handler_latency)
    snapshot.gauges("bus", lambda: {"sample_every": bus.sample_every})
    snapshot.counters("queue", lambda: {f"{q.name}.dropped": q.dropped for q in bus.queues})
    snapshot.gauges(
        "queue",
        lambda: {
            **{f"{q.name}.high_water": q.high_water for q in bus.queues},
            **{f"{q.name}.capacity": q.maxsize for q in bus.queues},
        },
    )


def anomaly_channels(settings: Settings) -> list[str]:
    """``ops.anomaly_channels``, else the operator channel, else every configured channel."""
    if settings.ops.anomaly_channels:
        return list(settings.ops.anomaly_channels)
    if settings.notify.operator_channel:
        return [settings.notify.operator_channel]
    return list(settings.notify.channels)


def session_check(hours: MarketHours) -> SessionCheck:
    """``MarketHours`` asked by symbol; an unparsable symbol's market counts as open."""
    instruments: dict[str, Instrument | None] = {}

    def is_open(symbol: str, ts_ns: int) -> bool:
        instrument = instruments.get(symbol)
        if symbol not in instruments:
            try:
                instrument = instruments[symbol] = parse_instrument(symbol)
            except InvalidInput:
                instrument = instruments[symbol] = None
        return True if instrument is None else hours.is_open(instrument, ts_ns)

    return is_open


def settings_sections(settings: Settings) -> dict[str, str]:
    """A short hash of each settings section as shown (secrets masked, never hashed)."""
    shown = settings.model_dump(mode="json")
    return {
        name: hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:12]
        for name, value in sorted(shown.items())
    }


def describe_process() -> dict[str, Detail]:
    """What is running: version, git commit (when run from a checkout), Python, process id."""
    try:
        installed = version("freeride")
    except PackageNotFoundError:
        installed = "unknown"
    return {
        "version": installed,
        "commit": git_commit(Path(freeride.__file__).resolve().parent),
        "python": platform.python_version(),
        "pid": os.getpid(),
        "host": platform.node(),
    }


def git_commit(start: Path) -> str | None:
    """The commit checked out in the repository above ``start``; ``None`` when not in one."""
    for folder in (start, *start.parents):
        dot_git = folder / ".git"
        if dot_git.is_file():  # a worktree: ".git" names the real git directory
            text = dot_git.read_text(encoding="utf-8").strip()
            if not text.startswith("gitdir:"):
                return None
            return _resolve_head(Path(text.removeprefix("gitdir:").strip()))
        if dot_git.is_dir():
            return _resolve_head(dot_git)
    return None


def _resolve_head(git_dir: Path) -> str | None:
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not head.startswith("ref:"):
        return head or None
    ref = head.removeprefix("ref:").strip()
    common = git_dir
    commondir = git_dir / "commondir"
    if commondir.is_file():
        common = (git_dir / commondir.read_text(encoding="utf-8").strip()).resolve()
    for base in (git_dir, common):
        loose = base / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8").strip() or None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    return None
