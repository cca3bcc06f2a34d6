"""Metrics snapshots in the journal, so the self-audit can read two weeks of figures offline.

Every ``every_s`` (five minutes) the component reads the process's counters and latency
histograms, and writes what changed since the last look as one ``metrics_snapshot`` journal entry
(source ``ops``, level ``info``): counters as deltas, histograms as delta bucket counts
(``count|sum|b0,b1,…`` on ``core.latency``'s buckets, so they merge exactly), gauges as they are.
The last snapshot is written at stop, so a short run is measured too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from freeride.bus import topics
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.latency import LatencyHistogram
from freeride.core.system import Detail, Level, SystemEvent
from freeride.ports.bus import Bus

Counters = Callable[[], Mapping[str, float]]
Histograms = Callable[[], Mapping[str, LatencyHistogram]]
KIND = "metrics_snapshot"


def encode(h: LatencyHistogram, before: LatencyHistogram | None) -> str | None:
    """The histogram's change since ``before`` as ``count|sum|b0,…``; ``None`` when unchanged."""
    counts = h.counts if before is None else [a - b for a, b in zip(h.counts, before.counts, strict=True)]
    count = h.count - (before.count if before else 0)
    if count <= 0:
        return None
    total = h.sum - (before.sum if before else 0.0)
    return f"{count}|{total:.9g}|{','.join(map(str, counts))}"


def decode(text: str, buckets: tuple[float, ...] | None = None) -> LatencyHistogram:
    count, total, counts = text.split("|")
    h = LatencyHistogram() if buckets is None else LatencyHistogram(buckets)
    h.counts = [int(c) for c in counts.split(",")]
    if len(h.counts) != len(h.buckets) + 1:
        raise ValueError(f"a histogram of {len(h.counts)} buckets where {len(h.buckets) + 1} were expected")
    h.count = int(count)
    h.sum = float(total)
    return h


def _copy(h: LatencyHistogram) -> LatencyHistogram:
    c = LatencyHistogram(h.buckets)
    c.counts, c.count, c.sum, c.max = list(h.counts), h.count, h.sum, h.max
    return c


class MetricsSnapshot(Component):
    name = "metrics-snapshot"

    def __init__(self, bus: Bus, clock: Clock, *, every_s: float = 300.0) -> None:
        super().__init__()
        self._bus = bus
        self._clock = clock
        self.every_s = every_s
        self._counters: list[tuple[str, Counters]] = []
        self._histograms: list[tuple[str, Histograms]] = []
        self._gauges: list[tuple[str, Counters]] = []
        self._last_counts: dict[str, float] = {}
        self._last_hist: dict[str, LatencyHistogram] = {}
        self._last_ns = 0
        self._task: asyncio.Task[None] | None = None
        self.written = 0

    def counters(self, prefix: str, read: Counters) -> None:
        self._counters.append((prefix, read))

    def histograms(self, prefix: str, read: Histograms) -> None:
        self._histograms.append((prefix, read))

    def gauges(self, prefix: str, read: Counters) -> None:
        self._gauges.append((prefix, read))

    async def _on_start(self) -> None:
        self._last_ns = self._clock.now_ns()
        self._task = self.spawn(self._loop)

    async def _on_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.snapshot()

    async def _loop(self) -> None:
        while True:
            await self._clock.sleep(self.every_s)
            self.snapshot()

    def snapshot(self) -> SystemEvent | None:
        """Write what changed since the last snapshot (nothing when nothing did)."""
        now = self._clock.now_ns()
        data: dict[str, Detail] = {}
        for prefix, read in self._counters:
            for name, value in read().items():
                key = f"{prefix}.{name}"
                delta = value - self._last_counts.get(key, 0.0)
                self._last_counts[key] = value
                if delta:
                    data[key] = round(delta, 9)
        for prefix, read_h in self._histograms:
            for name, histogram in read_h().items():
                key = f"{prefix}.{name}"
                encoded = encode(histogram, self._last_hist.get(key))
                self._last_hist[key] = _copy(histogram)
                if encoded is not None:
                    data[key] = encoded
        if not data:
            self._last_ns = now
            return None
        for prefix, read in self._gauges:
            for name, value in read().items():
                data[f"{prefix}.{name}"] = value
        data["interval_s"] = round((now - self._last_ns) / NS_PER_SECOND, 3)
        self._last_ns = now
        event = SystemEvent(
            source="ops",
            kind=KIND,
            level=Level.INFO,
            message=f"metrics over the last {data['interval_s']} s",
            data=data,
            ts_event=now,
            ts_init=now,
        )
        self._bus.publish(topics.system(Level.INFO, "ops"), event)
        self.written += 1
        return event
