"""The market-data gateway on ``/metrics``: what an operator alerts on before the data stops.

Read from the gateway's own counters at scrape time, so nothing is counted twice and a process
without a gateway exports none of these. Per provider: calls made, failures, the circuit's state
(one series per state, 1 for the current one, the Prometheus way of exporting an enum) and the
requests left in each rate or quota window; overall: cache hits and misses, failovers, and
requests no provider could answer.
"""

from __future__ import annotations

from collections.abc import Callable

from freeride.gateway.service import MarketDataGateway
from freeride.net.breaker import CircuitState
from freeride.ops.exporters import register_provider_latency
from freeride.ops.metrics import Metrics, Samples


def register_gateway(metrics: Metrics, gateway: MarketDataGateway) -> None:
    register_provider_latency(metrics, gateway.latencies)

    def per_provider(field: str) -> Samples:
        return [((s.name,), float(getattr(s, field))) for s in gateway.status()]

    def circuits() -> Samples:
        return [
            ((s.name, state.value), 1.0 if s.circuit == state.value else 0.0)
            for s in gateway.status()
            for state in CircuitState
        ]

    def quota_left() -> Samples:
        return [
            ((s.name, window), float(left)) for s in gateway.status() for window, left in s.quota_left.items()
        ]

    metrics.family(
        "freeride_gateway_upstream_calls",
        "Requests the gateway sent to each market-data provider.",
        ("provider",),
        lambda: per_provider("calls"),
        counter=True,
    )
    metrics.family(
        "freeride_gateway_provider_failures",
        "Requests to each provider that failed (errors, rate limits, refusals).",
        ("provider",),
        lambda: per_provider("failures"),
        counter=True,
    )
    metrics.family(
        "freeride_gateway_circuit_state",
        "Each provider's circuit breaker: 1 for its current state.",
        ("provider", "state"),
        circuits,
    )
    metrics.family(
        "freeride_gateway_requests_left",
        "Requests each provider allows right now, per rate or quota window (e.g. 25/day).",
        ("provider", "window"),
        quota_left,
    )

    def total(attribute: str) -> Callable[[], Samples]:
        return lambda: [((), float(getattr(gateway, attribute)))]

    for name, doc, attribute in (
        ("freeride_gateway_cache_hits", "Quotes and bars answered from the gateway's cache.", "cache_hits"),
        ("freeride_gateway_cache_misses", "Quotes and bars the cache did not hold.", "cache_misses"),
        ("freeride_gateway_failovers", "Requests answered after a provider was skipped.", "failovers"),
        ("freeride_gateway_unanswered", "Requests no provider could answer.", "unanswered"),
    ):
        metrics.family(name, doc, (), total(attribute), counter=True)
