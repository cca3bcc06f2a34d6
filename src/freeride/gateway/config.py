"""How the gateway behaves: cache lifetimes, breaker thresholds, how long a short limit is waited out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GatewayConfig:
    """``max_wait_s``: when every provider refused and the soonest one frees up within this many
    seconds (a burst limit), wait for it instead of failing; longer waits (quotas) fail at once.
    ``not_entitled_s``: how long a provider whose plan refused a kind of request (HTTP 403) is not
    asked for that kind again.
    """

    quote_ttl_s: float = 5.0
    bars_ttl_s: float = 300.0
    cache_size: int = 10_000
    failure_threshold: int = 3
    reset_timeout_s: float = 30.0
    max_wait_s: float = 2.0
    not_entitled_s: float = 3_600.0
    attempts: int = 2
    poll_interval_s: float = 15.0
    reconnect_base_s: float = 0.5
    reconnect_cap_s: float = 30.0
