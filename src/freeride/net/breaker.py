"""A circuit breaker per provider on the injected ``Clock``.

Closed: calls go through and consecutive failures are counted. Open (after ``failure_threshold``
failures in a row): calls are refused at once, so a dead provider costs nothing but a failover,
until ``reset_timeout_s`` has passed. Half-open: exactly one probe is let through; its success
closes the circuit, its failure opens it for another timeout. Every change is reported to
``on_change`` so the gateway can put it on the bus.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from freeride.core.clock import NS_PER_SECOND, Clock


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


ChangeListener = Callable[[CircuitState, CircuitState, str], None]


class CircuitBreaker:
    def __init__(
        self,
        clock: Clock,
        *,
        failure_threshold: int = 3,
        reset_timeout_s: float = 30.0,
        on_change: ChangeListener | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be >= 1")
        self._clock = clock
        self.failure_threshold = failure_threshold
        self.reset_timeout_s = reset_timeout_s
        self._on_change = on_change
        self.state = CircuitState.CLOSED
        self.failures = 0
        self.last_reason = ""
        self._opened_at = 0
        self._probing = False

    def allow(self) -> bool:
        """Whether a call may go out now; moving to half-open hands out the single probe."""
        if self.state is CircuitState.CLOSED:
            return True
        if self.state is CircuitState.OPEN:
            if self.retry_in_s() > 0:
                return False
            self._set(CircuitState.HALF_OPEN, "reset timeout passed: probing")
        if self._probing:
            return False
        self._probing = True
        return True

    def retry_in_s(self) -> float:
        """Seconds until an open circuit lets a probe through."""
        if self.state is not CircuitState.OPEN:
            return 0.0
        due = self._opened_at + round(self.reset_timeout_s * NS_PER_SECOND)
        return max(0, due - self._clock.now_ns()) / NS_PER_SECOND

    def record_success(self) -> None:
        self.failures = 0
        self._probing = False
        if self.state is not CircuitState.CLOSED:
            self._set(CircuitState.CLOSED, "probe succeeded")

    def record_failure(self, reason: str) -> None:
        self.failures += 1
        self.last_reason = reason
        was_probe = self._probing
        self._probing = False
        if self.state is CircuitState.HALF_OPEN or was_probe:
            self._open(f"probe failed: {reason}")
        elif self.state is CircuitState.CLOSED and self.failures >= self.failure_threshold:
            self._open(f"{self.failures} failures in a row, last: {reason}")

    def release(self) -> None:
        """The call let through ended without saying anything about health (e.g. rate limited)."""
        self._probing = False

    def trip(self, reason: str) -> None:
        """Open at once (a revoked key will not fix itself in three tries)."""
        self.last_reason = reason
        self._probing = False
        self._open(reason)

    def _open(self, reason: str) -> None:
        self._opened_at = self._clock.now_ns()
        if self.state is not CircuitState.OPEN:
            self._set(CircuitState.OPEN, reason)

    def _set(self, state: CircuitState, reason: str) -> None:
        old, self.state = self.state, state
        if self._on_change is not None:
            self._on_change(old, state, reason)
