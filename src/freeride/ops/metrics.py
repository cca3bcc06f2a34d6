"""Prometheus metrics: one registry per process object, never the library's global one.

Names start with ``freeride_`` and use base units (seconds, bytes, totals). Labels stay low in
cardinality: HTTP metrics are labelled by the route *template* (``/api/v1/runs/{run_id}``), never
the concrete path, and by method and status class (``2xx``), so a scanner hitting random URLs
cannot grow the series without bound. Values read from other objects (bus counters, WebSocket
clients) are gauges with a callback, computed only when scraped.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterable, Iterator, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from freeride.core.latency import LatencyHistogram

Samples = Iterable[tuple[Sequence[str], float]]

CONTENT_TYPE = CONTENT_TYPE_LATEST
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The process's metrics; ``observe_request`` is cheap enough to call on every request."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "freeride_http_requests",
            "HTTP requests answered, by route template, method and status class.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "freeride_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ("route",),
            buckets=_BUCKETS,
            registry=self.registry,
        )

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, f"{status // 100}xx").inc()
        self.latency.labels(route).observe(seconds)

    def gauge(self, name: str, doc: str, read: Callable[[], float]) -> None:
        """A gauge whose value is ``read()`` at scrape time."""
        Gauge(name, doc, registry=self.registry).set_function(read)

    def family(
        self,
        name: str,
        doc: str,
        labels: Sequence[str],
        read: Callable[[], Samples],
        *,
        counter: bool = False,
    ) -> None:
        """A labelled family whose samples (label values, value) are ``read()`` at scrape time:
        for counts another object keeps (a gateway's calls per provider), with no second count."""
        self.registry.register(_Family(name, doc, tuple(labels), read, counter))

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def collect(self) -> Collected:
        """Every family's samples as of now. Cheap, and done where the values live (the event
        loop: the callbacks read objects it owns); ``Collected.render`` may then run anywhere."""
        return Collected(list(self.registry.collect()))

    async def render_off_loop(self) -> bytes:
        """``render``, with only the collection on the event loop: formatting a scrape of a busy
        process (a few thousand samples) takes several milliseconds, done in a worker thread."""
        return await asyncio.to_thread(self.collect().render)


class Collected(Collector):
    """A scrape's families, collected: formats the same text ``generate_latest`` would."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)

    def render(self) -> bytes:
        return generate_latest(self)


class _Family(Collector):
    def __init__(
        self, name: str, doc: str, labels: tuple[str, ...], read: Callable[[], Samples], counter: bool
    ) -> None:
        self._name, self._doc, self._labels, self._read, self._counter = name, doc, labels, read, counter

    def collect(self) -> Iterator[Metric]:
        family: CounterMetricFamily | GaugeMetricFamily
        if self._counter:
            family = CounterMetricFamily(self._name, self._doc, labels=self._labels)
        else:
            family = GaugeMetricFamily(self._name, self._doc, labels=self._labels)
        for values, value in self._read():
            family.add_metric(list(values), value)
        yield family

    def describe(self) -> Iterator[Metric]:
        return iter(())  # samples change with what is configured: nothing to check at registration


Histograms = Iterable[tuple[Sequence[str], LatencyHistogram]]


class _Histograms(Collector):
    """Histograms another object keeps (``core.latency``), exported as Prometheus histograms."""

    def __init__(self, name: str, doc: str, labels: tuple[str, ...], read: Callable[[], Histograms]) -> None:
        self._name, self._doc, self._labels, self._read = name, doc, labels, read

    def collect(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(self._name, self._doc, labels=self._labels)
        for values, histogram in self._read():
            buckets = [("+Inf" if math.isinf(le) else repr(le), float(n)) for le, n in histogram.cumulative()]
            family.add_metric(list(values), buckets, sum_value=histogram.sum)
        yield family

    def describe(self) -> Iterator[Metric]:
        return iter(())


def histogram_family(
    metrics: Metrics, name: str, doc: str, labels: Sequence[str], read: Callable[[], Histograms]
) -> None:
    """A labelled histogram family read at scrape time from ``LatencyHistogram`` objects kept elsewhere."""
    metrics.registry.register(_Histograms(name, doc, tuple(labels), read))
