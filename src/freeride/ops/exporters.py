"""What the bus, storage and the gateway measure about themselves, on ``/metrics``.

Read at scrape time from the objects that keep the figures (``Metrics.family`` and
``histogram_family``), so nothing is counted twice and the hot path never touches Prometheus.
Structural types only: ops may not import storage or the gateway (they are its siblings), so the
composition root hands over anything with the right attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from prometheus_client import PlatformCollector, ProcessCollector

from freeride.bus.memory import InMemoryBus
from freeride.core.latency import LatencyHistogram
from freeride.ops.metrics import Histograms, Metrics, Samples, histogram_family


class Timed(Protocol):
    """A writer that times its commits (the recorder)."""

    write_latency: LatencyHistogram
    flushed_rows: int
    write_failures: int


def topic_family(topic: str) -> str:
    """``data.bar`` of ``data.bar.GOOG.1d``: a bounded label (symbols never become labels)."""
    return ".".join(topic.split(".", 2)[:2])


def register_process(metrics: Metrics) -> None:
    """CPU, memory, open files and the Python version of this process, prefixed ``freeride_``."""
    ProcessCollector(namespace="freeride", registry=metrics.registry)
    PlatformCollector(registry=metrics.registry)


def register_bus(metrics: Metrics, bus: InMemoryBus) -> None:
    def families() -> Samples:
        totals: dict[str, int] = {}
        for topic, n in bus.topic_counts().items():
            family = topic_family(topic)
            totals[family] = totals.get(family, 0) + n
        return [((f,), float(n)) for f, n in sorted(totals.items())]

    def per_queue(read: Callable[[object], float]) -> Callable[[], Samples]:
        return lambda: [((q.name,), read(q)) for q in bus.queues]

    metrics.family(
        "freeride_bus_events",
        "Events published on the bus, by topic family.",
        ("family",),
        families,
        counter=True,
    )
    metrics.family(
        "freeride_bus_queue_depth",
        "Events waiting in (or taken but not done by) each consumer's queue.",
        ("queue",),
        per_queue(lambda q: float(q.pending)),  # type: ignore[attr-defined]
    )
    metrics.family(
        "freeride_bus_queue_dropped",
        "Events each consumer's queue dropped by its overflow policy.",
        ("queue",),
        per_queue(lambda q: float(q.dropped)),  # type: ignore[attr-defined]
        counter=True,
    )
    metrics.family(
        "freeride_bus_queue_high_water",
        "The deepest each consumer's queue has been.",
        ("queue",),
        per_queue(lambda q: float(q.high_water)),  # type: ignore[attr-defined]
    )
    metrics.family(
        "freeride_bus_queue_capacity",
        "Each consumer's queue bound (lossless queues pause sources above it).",
        ("queue",),
        per_queue(lambda q: float(q.maxsize)),  # type: ignore[attr-defined]
    )

    def handlers() -> Histograms:
        return [((name,), h) for name, h in sorted(bus.handler_latency.items())]

    histogram_family(
        metrics,
        "freeride_bus_handler_seconds",
        f"Time each bus handler took, on one event in {bus.sample_every}.",
        ("handler",),
        handlers,
    )


def register_writer(metrics: Metrics, name: str, writer: Timed) -> None:
    histogram_family(
        metrics,
        "freeride_db_write_seconds",
        "Time from a write transaction's begin to its commit, by writer.",
        ("writer",),
        lambda: [((name,), writer.write_latency)],
    )
    metrics.family(
        "freeride_db_rows_written",
        "Rows committed, by writer.",
        ("writer",),
        lambda: [((name,), float(writer.flushed_rows))],
        counter=True,
    )
    metrics.family(
        "freeride_db_write_failures",
        "Write transactions that failed and were retried, by writer.",
        ("writer",),
        lambda: [((name,), float(writer.write_failures))],
        counter=True,
    )


def register_provider_latency(metrics: Metrics, read: Callable[[], Mapping[str, LatencyHistogram]]) -> None:
    histogram_family(
        metrics,
        "freeride_gateway_upstream_seconds",
        "Time each market-data provider took to answer (or fail), by provider.",
        ("provider",),
        lambda: sorted(((name,), h) for name, h in read().items()),
    )
