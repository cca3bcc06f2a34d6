"""Spans of each chain's hops, read back from the SDK's in-memory exporter: one trace per chain,
the first hop its root, each hop timed from the one before; no exporter configured, no spans."""

from __future__ import annotations

import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import ManualClock
from freeride.core.market import Bar
from freeride.core.orders import Fill, OrderIntent, Side
from freeride.core.system import SystemEvent
from freeride.journal.component import Journal
from freeride.ops.tracing import ChainProvider, ChainSpans, build_provider, provider_from_env, trace_id_of


def bar() -> Bar:
    return Bar(
        symbol="GOOG", interval="1d", open=1, high=2, low=0.5, close=1.5, volume=9, ts_event=0, ts_init=1_000
    )


def intent(ts: int) -> OrderIntent:
    return OrderIntent(
        client_order_id="fr-1",
        strategy="sma",
        signal_id="s1",
        symbol="GOOG",
        side=Side.BUY,
        quantity=Decimal(1),
        ts_event=ts,
        ts_init=ts,
    )


def fill(ts: int) -> Fill:
    return Fill(
        fill_id="f",
        client_order_id="fr-1",
        strategy="sma",
        symbol="GOOG",
        side=Side.BUY,
        quantity=Decimal(1),
        price=Decimal(2),
        commission=Decimal(0),
        ts_event=ts,
        ts_init=ts,
    )


async def test_a_chain_is_one_trace_with_one_span_per_hop() -> None:
    exporter = InMemorySpanExporter()
    bus = InMemoryBus(ManualClock())
    journal = Journal(bus, ManualClock())
    spans = ChainSpans(bus, build_provider(SimpleSpanProcessor(exporter)))
    await journal.start()
    await spans.start()
    bus.subscribe(topics.ALL_BARS, lambda _b: bus.publish(topics.order_intent("sma"), intent(1_500)))
    bus.publish(topics.bar("GOOG", "1d"), bar())
    bus.publish(topics.fill("GOOG"), fill(4_000))  # later, from the order manager's task
    bus.publish(  # a system event of no chain makes no span
        topics.system(
            SystemEvent.__struct_fields__ and __import__("freeride.core.system").core.system.Level.INFO, "x"
        ),
        SystemEvent(source="x", kind="y", message="z", ts_event=1, ts_init=1),
    )
    await spans.stop()

    finished = exporter.get_finished_spans()
    assert [s.name for s in finished] == ["market/bar", "strategy/order_intent", "execution/fill"]
    root, hop, last = finished
    cid = root.attributes["freeride.correlation_id"]  # type: ignore[index]
    assert {s.context.trace_id for s in finished} == {trace_id_of(str(cid))}
    assert root.parent is None
    assert hop.parent is not None
    assert hop.parent.span_id == root.context.span_id
    assert last.parent is not None
    assert last.parent.span_id == root.context.span_id
    assert (root.start_time, root.end_time) == (1_000, 1_000)
    assert (hop.start_time, hop.end_time) == (1_000, 1_500)
    assert (last.start_time, last.end_time) == (1_500, 4_000)
    assert last.attributes["freeride.symbol"] == "GOOG"  # type: ignore[index]
    assert spans.spans == 3


def test_the_environment_decides_and_nothing_is_made_without_an_exporter() -> None:
    assert provider_from_env({}) is None
    provider = provider_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert isinstance(provider, TracerProvider)
    processors = provider._active_span_processor._span_processors
    assert [type(p) for p in processors] == [BatchSpanProcessor]
    assert type(processors[0].span_exporter).__name__ == "OTLPSpanExporter"  # type: ignore[attr-defined]
    provider.shutdown()


def test_a_sampler_that_drops_a_chain_drops_its_every_hop() -> None:
    exporter = InMemorySpanExporter()
    provider = ChainProvider(sampler=ALWAYS_OFF)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    spans = ChainSpans(InMemoryBus(ManualClock()), provider)
    for ts in (1, 2, 3):
        spans.on_entry(
            SystemEvent(source="a", kind="b", message="m", ts_event=ts, ts_init=ts, correlation_id="c-1")
        )
    assert exporter.get_finished_spans() == ()
    assert spans.spans == 0


def test_a_disabled_sdk_makes_no_provider() -> None:
    endpoint = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
    assert provider_from_env({**endpoint, "OTEL_SDK_DISABLED": "true"}) is None


class Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP collector: ``POST /v1/traces`` with a protobuf ``ExportTraceServiceRequest``."""

    received: ClassVar[list[ExportTraceServiceRequest]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/v1/traces" and self.headers["Content-Type"] == "application/x-protobuf":
            Collector.received.append(ExportTraceServiceRequest.FromString(body))
            self.send_response(200)
        else:
            self.send_response(400)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


async def test_hops_reach_an_otlp_collector_over_http_as_one_trace() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Collector.received.clear()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        provider = provider_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint})
        assert provider is not None
        bus = InMemoryBus(ManualClock())
        journal = Journal(bus, ManualClock())
        spans = ChainSpans(bus, provider)
        await journal.start()
        await spans.start()
        bus.subscribe(topics.ALL_BARS, lambda _b: bus.publish(topics.order_intent("sma"), intent(1_500)))
        bus.publish(topics.bar("GOOG", "1d"), bar())
        await spans.stop()  # shuts the provider down: the batch is sent before it returns
    finally:
        server.shutdown()
    sent = [
        span
        for request in Collector.received
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert [s.name for s in sent] == ["market/bar", "strategy/order_intent"]
    root, hop = sent
    assert root.trace_id == hop.trace_id
    assert hop.parent_span_id == root.span_id
    assert root.parent_span_id == b""
    assert (hop.start_time_unix_nano, hop.end_time_unix_nano) == (1_000, 1_500)
    service = Collector.received[0].resource_spans[0].resource.attributes
    assert any(a.key == "service.name" and a.value.string_value == "freeride" for a in service)
