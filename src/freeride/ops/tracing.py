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
from typing import Any

import structlog
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, TraceFlags

from freeride.bus import topics
from freeride.core.component import Component
from freeride.core.system import SystemEvent
from freeride.ports.bus import Bus, Subscription

log = structlog.get_logger(__name__)

OTLP_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"
OTLP_TRACES_ENDPOINT = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
AZURE_CONNECTION = "APPLICATIONINSIGHTS_CONNECTION_STRING"
SDK_DISABLED = "OTEL_SDK_DISABLED"
SERVICE = "freeride"
SAMPLED = TraceFlags(TraceFlags.SAMPLED)


def trace_id_of(correlation_id: str) -> int:
    """The 128-bit trace id of a chain: the same for its every hop, in every process."""
    return int.from_bytes(hashlib.blake2b(correlation_id.encode(), digest_size=16).digest(), "big") or 1


class ChainProvider(TracerProvider):
    """The SDK's provider (resource, sampler, id generator and processors, as the ``OTEL_*``
    variables configure them), remembering its processors so finished spans can go to them
    directly (see ``ChainSpans``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.processors: list[SpanProcessor] = []

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        super().add_span_processor(span_processor)
        self.processors.append(span_processor)


def build_provider(processor: SpanProcessor) -> ChainProvider:
    provider = ChainProvider(resource=Resource.create({"service.name": SERVICE}))
    provider.add_span_processor(processor)
    return provider


def provider_from_env(environ: Mapping[str, str]) -> ChainProvider | None:
    """The provider the environment asks for; ``None`` (tracing off, no cost) when it asks for none
    or disables the SDK (``OTEL_SDK_DISABLED=true``)."""
    if environ.get(SDK_DISABLED, "").strip().lower() == "true":
        return None
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
    if environ.get(OTLP_ENDPOINT) or environ.get(OTLP_TRACES_ENDPOINT):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # the endpoint from ``environ`` (the process's environment in production): the generic
        # variable names the collector, to which the traces path is added, as the spec says
        traces = environ.get(OTLP_TRACES_ENDPOINT) or environ[OTLP_ENDPOINT].rstrip("/") + "/v1/traces"
        return build_provider(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces)))
    return None


class ChainSpans(Component):
    """Turns journal entries into spans (see the module docstring); ``max_chains`` roots are kept.

    Each hop is finished when it is made (its start and end are already in the journal), so it is
    built as the SDK's finished span (``ReadableSpan``) and handed to the provider's processors,
    rather than started and ended through a tracer: the same span, exporters and batching, at a
    quarter of the cost (about 6 µs instead of 27 µs a span), with no context to set up for a span
    nobody will ever make current. The provider's sampler decides once per chain, at its root."""

    name = "chain-spans"

    def __init__(self, bus: Bus, provider: ChainProvider, *, max_chains: int = 10_000) -> None:
        super().__init__()
        self._bus = bus
        self.provider = provider
        self._scope = InstrumentationScope("freeride.chains")
        self.max_chains = max_chains
        # root context (None: the sampler dropped the chain), last hop's ts_init
        self._chains: dict[str, tuple[SpanContext | None, int]] = {}
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
            trace_id = trace_id_of(cid)
            decision = self.provider.sampler.should_sample(
                None, trace_id, name, SpanKind.INTERNAL, attributes
            ).decision
            sampled = decision is Decision.RECORD_AND_SAMPLE
            root = self._context(trace_id) if sampled else None
            self._remember(cid, root, end)
            if root is not None:
                self._finish(name, root, None, end, end, attributes)
        else:
            root, last = chain
            self._chains[cid] = (root, max(last, end))
            if root is not None:
                self._finish(name, self._context(root.trace_id), root, min(last, end), end, attributes)

    def _context(self, trace_id: int) -> SpanContext:
        span_id = self.provider.id_generator.generate_span_id()
        return SpanContext(trace_id=trace_id, span_id=span_id, is_remote=False, trace_flags=SAMPLED)

    def _finish(
        self,
        name: str,
        context: SpanContext,
        parent: SpanContext | None,
        start: int,
        end: int,
        attributes: dict[str, str],
    ) -> None:
        span = ReadableSpan(
            name,
            context=context,
            parent=parent,
            resource=self.provider.resource,
            attributes=attributes,
            kind=SpanKind.INTERNAL,
            start_time=start,
            end_time=end,
            instrumentation_scope=self._scope,
        )
        for processor in self.provider.processors:
            processor.on_end(span)
        self.spans += 1

    def _remember(self, cid: str, root: SpanContext | None, ts: int) -> None:
        chains = self._chains
        chains[cid] = (root, ts)
        if len(chains) > self.max_chains:
            del chains[next(iter(chains))]
