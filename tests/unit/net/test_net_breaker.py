"""Circuit breaker: opens after repeated failures, lets exactly one probe through, reports changes."""

from __future__ import annotations

from freeride.core.clock import ManualClock
from freeride.net.breaker import CircuitBreaker, CircuitState


def make() -> tuple[ManualClock, CircuitBreaker, list[tuple[str, str, str]]]:
    clock = ManualClock()
    changes: list[tuple[str, str, str]] = []
    breaker = CircuitBreaker(
        clock,
        failure_threshold=3,
        reset_timeout_s=30,
        on_change=lambda old, new, why: changes.append((old.value, new.value, why)),
    )
    return clock, breaker, changes


def test_opens_after_threshold_consecutive_failures() -> None:
    _, breaker, changes = make()
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure("HTTP 502")
    assert breaker.state is CircuitState.CLOSED
    assert breaker.allow()
    breaker.record_failure("HTTP 502")
    assert breaker.state is CircuitState.OPEN
    assert not breaker.allow()
    assert changes == [("closed", "open", "3 failures in a row, last: HTTP 502")]


def test_success_resets_the_count() -> None:
    _, breaker, _ = make()
    breaker.record_failure("x")
    breaker.record_failure("x")
    breaker.record_success()
    breaker.record_failure("x")
    assert breaker.state is CircuitState.CLOSED


def test_half_open_lets_one_probe_and_closes_on_success() -> None:
    clock, breaker, changes = make()
    breaker.trip("auth")
    clock.advance(29.9)
    assert not breaker.allow()
    assert breaker.retry_in_s() > 0
    clock.advance(0.1)
    assert breaker.allow()
    assert breaker.state is CircuitState.HALF_OPEN
    assert not breaker.allow()  # only one probe at a time
    breaker.record_success()
    assert breaker.state is CircuitState.CLOSED
    assert [c[1] for c in changes] == ["open", "half_open", "closed"]


def test_failed_probe_opens_for_another_timeout() -> None:
    clock, breaker, _ = make()
    breaker.trip("down")
    clock.advance(30)
    assert breaker.allow()
    breaker.record_failure("still down")
    assert breaker.state is CircuitState.OPEN
    assert breaker.retry_in_s() == 30
    clock.advance(30)
    assert breaker.allow()


def test_release_frees_the_probe_without_a_verdict() -> None:
    clock, breaker, _ = make()
    breaker.trip("down")
    clock.advance(30)
    assert breaker.allow()
    breaker.release()
    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.allow()
