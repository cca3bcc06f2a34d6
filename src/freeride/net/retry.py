"""Retry and reconnect timing on the injected ``Clock``.

tenacity drives the retries: it takes the sleep function as a parameter, so ``clock.sleep`` makes
every wait a ``ManualClock`` wait in tests. Reconnect loops use ``Backoff`` instead, because a
stream that ran fine for an hour and then dropped should start again from the short delay, and
tenacity's attempt counter cannot be reset from inside the loop it drives.
"""

from __future__ import annotations

from collections.abc import Callable

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from freeride.core.clock import Clock
from freeride.core.errors import RateLimited


def wait_hinted(default_s: float) -> Callable[[RetryCallState], float]:
    """Wait what a ``RateLimited`` error asked for, else ``default_s``."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        hint = getattr(exc, "retry_after", None)
        return float(hint) if isinstance(hint, int | float) else default_s

    return wait


def retrying(
    clock: Clock,
    *,
    attempts: int,
    should_retry: Callable[[BaseException], bool],
    default_wait_s: float = 1.0,
) -> AsyncRetrying:
    """Up to ``attempts`` tries, waiting on ``clock`` between them; re-raises the last error."""
    return AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=wait_hinted(default_wait_s),
        retry=retry_if_exception(should_retry),
        sleep=clock.sleep,
        reraise=True,
    )


def short_rate_limit(max_wait_s: float) -> Callable[[BaseException], bool]:
    """Retry only a rate limit that asked for at most ``max_wait_s`` (a burst limit, not a quota)."""

    def check(exc: BaseException) -> bool:
        return isinstance(exc, RateLimited) and exc.retry_after is not None and exc.retry_after <= max_wait_s

    return check


class Backoff:
    """Exponential delays ``base, 2·base, 4·base … cap`` with ``reset()`` after a good spell."""

    def __init__(self, base_s: float = 0.5, cap_s: float = 30.0) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self.attempt = 0

    def next_delay(self) -> float:
        delay: float = min(self.cap_s, self.base_s * 2.0**self.attempt)
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0
