"""One provider as the gateway sees it: the adapter plus its limiter, breaker and counters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import msgspec

from freeride.core.clock import Clock
from freeride.core.latency import LatencyHistogram
from freeride.net.breaker import ChangeListener, CircuitBreaker, CircuitState
from freeride.net.limiter import Limit, RateLimiter
from freeride.ports.market_data import MarketData, RequestKind


@dataclass(frozen=True)
class ProviderSpec:
    """What the composition root hands the gateway per provider: its real limits and weights.

    ``weights`` is how many requests of the provider's allowance one call of a kind costs (some
    vendors count an endpoint several times); ``key_present`` is shown in status screens.
    """

    provider: MarketData
    limits: tuple[Limit, ...] = ()
    weights: Mapping[RequestKind, float] = field(default_factory=dict)
    key_present: bool = True

    @property
    def name(self) -> str:
        return self.provider.name


class ProviderStatus(msgspec.Struct, frozen=True, kw_only=True):
    """A status line for ``freeride providers`` and the dashboard."""

    name: str
    key_present: bool
    circuit: str
    retry_in_s: float
    blocked_for_s: float
    quota_left: dict[str, int]
    calls: int
    failures: int
    last_error: str


class ProviderState:
    def __init__(
        self,
        spec: ProviderSpec,
        clock: Clock,
        *,
        threshold: int,
        reset_s: float,
        on_circuit_change: ChangeListener | None = None,
    ) -> None:
        self.spec = spec
        self.provider = spec.provider
        self.name = spec.name
        self.limiter = RateLimiter(clock, spec.limits)
        self.breaker = CircuitBreaker(
            clock, failure_threshold=threshold, reset_timeout_s=reset_s, on_change=on_circuit_change
        )
        self.calls = 0
        self.failures = 0
        self.latency = LatencyHistogram()  # each upstream call, answered or failed, on the clock
        self.last_error = ""
        self.quota_reported = False

    def weight(self, kind: RequestKind) -> float:
        return self.spec.weights.get(kind, 1.0)

    def status(self) -> ProviderStatus:
        return ProviderStatus(
            name=self.name,
            key_present=self.spec.key_present,
            circuit=CircuitState(self.breaker.state).value,
            retry_in_s=round(self.breaker.retry_in_s(), 3),
            blocked_for_s=round(self.limiter.blocked_for(), 3),
            quota_left=self.limiter.remaining(),
            calls=self.calls,
            failures=self.failures,
            last_error=self.last_error,
        )
