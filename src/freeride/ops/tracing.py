"""OpenTelemetry spans for each chain's hops, built from the journal as it is written.

Each journal entry with a correlation id becomes one span: from the previous entry of its chain
to this one (``ts_init`` to ``ts_init``), named ``component/kind``, under one trace per chain.
The trace id is derived from the correlation id, so the hops of one chain are one trace even when
they were written by two processes or across a restart; the chain's first hop is its root span.

Why spans are made here, from the journal, rather than around every handler call: a span costs
several microseconds, more than the bus takes to deliver a tick to its handlers, and most ticks
cause nothing. Spans for the hops that led somewhere (an alert, an order, a fill) cost only when
something happened; with no exporter configured none of this exists at all.

Exporters: OTLP over HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (the exporter reads the
standard ``OTEL_*`` variables itself: headers, timeout, compression); Azure Monitor through
``azure-monitor-opentelemetry`` (the ``azure`` extra) when ``APPLICATIONINSIGHTS_CONNECTION_STRING``
is set. Spans leave through a batching processor on its own thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping

import structlog
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator
from opentelemetry.trace import SpanContext, SpanKind

from freeride.bus import topics
from freeride.core.component import Component
from freeride.core.system import SystemEvent
from freeride.ports.bus import Bus, Subscription

log = structlog.get_logger(__name__)

OTLP_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"
AZURE_CONNECTION = "APPLICATIONINSIGHTS_CONNECTION_STRING"
SERVICE = "freeride"


def trace_id_of(correlation_id: str) -> int:
    """The 128-bit trace id of a chain: the same for its every hop, in every process."""
    return int.from_bytes(hashlib.blake2b(correlation_id.encode(), digest_size=16).digest(), "big") or 1


class ChainIds(IdGenerator):
    """Random span ids; the trace id of a chain's root span is the one derived from its chain."""

    def __init__(self) -> None:
        self._random = RandomIdGenerator()
        self.next_trace_id: int | None = None

    def generate_span_id(self) -> int:
        return self._random.generate_span_id()

    def generate_trace_id(self) -> int:
        chosen, self.next_trace_id = self.next_trace_id, None
        return chosen if chosen is not None else self._random.generate_trace_id()


def build_provider(processor: SpanProcessor, ids: ChainIds | None = None) -> TracerProvider:
    provider = TracerProvider(
        resource=Resource.create({"service.name": SERVICE}), id_generator=ids or ChainIds()
    )
    provider.add_span_processor(processor)
    return provider


def provider_from_env(environ: Mapping[str, str]) -> TracerProvider | None:
    """The provider the environment asks for; ``None`` (tracing off, no cost) when it asks for none."""
    if environ.get(AZURE_CONNECTION):
        try:
            from azure.monitor.opentelemetry.exporter import AzureMonitorTraceExporter
        except ImportError:
            log.warning(
                "tracing.azure_missing",
                message=f"{AZURE_CONNECTION} is set but Azure Monitor is not installed: "
                "pip install 'freeride[azure]'",
            )
        else:
            return build_provider(
                BatchSpanProcessor(AzureMonitorTraceExporter(connection_string=environ[AZURE_CONNECTION]))
            )
    if environ.get(OTLP_ENDPOINT):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return build_provider(BatchSpanProcessor(OTLPSpanExporter()))
    return None


class ChainSpans(Component):
    """Turns journal entries into spans (see the module docstring); ``max_chains`` roots are kept."""

    name = "chain-spans"

    def __init__(self, bus: Bus, provider: TracerProvider, *, max_chains: int = 10_000) -> None:
        super().__init__()
        self._bus = bus
        self.provider = provider
        generator = provider.id_generator
        self._ids = generator if isinstance(generator, ChainIds) else None
        self._tracer: trace.Tracer = provider.get_tracer("freeride.chains")
        self.max_chains = max_chains
        self._chains: dict[str, tuple[SpanContext, int]] = {}  # root context, last hop's ts_init
        self._sub: Subscription | None = None
        self.spans = 0

    async def _on_start(self) -> None:
        self._sub = self._bus.subscribe(topics.ALL_SYSTEM, self.on_entry, priority=2_000_000)

    async def _on_stop(self) -> None:
        if self._sub is not None:
            self._sub.cancel()
            self._sub = None
        await asyncio.to_thread(self.provider.shutdown)  # flushes what is batched (network I/O)

    def on_entry(self, entry: SystemEvent) -> None:
        cid = entry.correlation_id
        if cid is None:
            return
        attributes = {
            "freeride.component": entry.source,
            "freeride.kind": entry.kind,
            "freeride.level": entry.level.value,
            "freeride.correlation_id": cid,
            "freeride.message": entry.message,
        }
        if entry.symbol is not None:
            attributes["freeride.symbol"] = entry.symbol
        name = f"{entry.source}/{entry.kind}"
        end = entry.ts_init
        chain = self._chains.get(cid)
        if chain is None:
            if self._ids is not None:
                self._ids.next_trace_id = trace_id_of(cid)
            span = self._tracer.start_span(
                name, start_time=end, attributes=attributes, kind=SpanKind.INTERNAL
            )
            span.end(end_time=end)
            self._remember(cid, span.get_span_context(), end)
        else:
            root, last = chain
            parent = trace.set_span_in_context(trace.NonRecordingSpan(root))
            span = self._tracer.start_span(
                name, context=parent, start_time=min(last, end), attributes=attributes
            )
            span.end(end_time=end)
            self._chains[cid] = (root, max(last, end))
        self.spans += 1

    def _remember(self, cid: str, root: SpanContext, ts: int) -> None:
        chains = self._chains
        chains[cid] = (root, ts)
        if len(chains) > self.max_chains:
            del chains[next(iter(chains))]
