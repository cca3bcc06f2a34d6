"""Rate limits and quotas on the injected ``Clock``.

aiolimiter (the usual choice) reads the event loop's real time, so a test could not move an hour
forward to see a quota reset; this token bucket reads ``Clock.now_ns`` instead and never sleeps
by itself: ``try_acquire`` answers at once with either a grant or how long to wait, which lets the
gateway fail over to another provider instead of queueing behind a limit.

A provider is described by its real limits (``Limit.per_second(1)``, ``Limit.per_day_utc(25)``);
endpoints the provider counts several times take a ``weight``. ``block_until`` records a stop the
provider itself asked for (a quota reply, ``Retry-After``), which outranks our own counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from freeride.core.clock import NS_PER_SECOND, Clock

DAY_NS = 86_400 * NS_PER_SECOND


class Window(StrEnum):
    ROLLING = "rolling"  # a token bucket refilled continuously
    UTC_DAY = "utc_day"  # a counter reset at 00:00 UTC (daily quotas)


@dataclass(frozen=True)
class Limit:
    """``count`` requests per ``per_seconds``."""

    count: int
    per_seconds: float
    window: Window = Window.ROLLING

    @classmethod
    def per_second(cls, count: int) -> Limit:
        return cls(count, 1.0)

    @classmethod
    def per_minute(cls, count: int) -> Limit:
        return cls(count, 60.0)

    @classmethod
    def per_day_utc(cls, count: int) -> Limit:
        return cls(count, 86_400.0, Window.UTC_DAY)

    @property
    def is_quota(self) -> bool:
        """A daily quota: running out of it is news for the operator, not a passing delay."""
        return self.window is Window.UTC_DAY

    def label(self) -> str:
        if self.window is Window.UTC_DAY:
            return f"{self.count}/day"
        if self.per_seconds == 60.0:
            return f"{self.count}/min"
        if self.per_seconds == 1.0:
            return f"{self.count}/s"
        return f"{self.count}/{self.per_seconds:g}s"


@dataclass(frozen=True)
class Denial:
    """Why a request may not go out now and when it could."""

    wait_s: float
    reason: str
    quota: bool


class _Bucket:
    __slots__ = ("day", "last_ns", "limit", "tokens")

    def __init__(self, limit: Limit, now_ns: int) -> None:
        self.limit = limit
        self.tokens = float(limit.count)
        self.last_ns = now_ns
        self.day = now_ns // DAY_NS

    def refill(self, now_ns: int) -> None:
        if self.limit.window is Window.UTC_DAY:
            day = now_ns // DAY_NS
            if day != self.day:
                self.day = day
                self.tokens = float(self.limit.count)
            return
        elapsed = max(0, now_ns - self.last_ns) / NS_PER_SECOND
        rate = self.limit.count / self.limit.per_seconds
        self.tokens = min(float(self.limit.count), self.tokens + elapsed * rate)
        self.last_ns = now_ns

    def wait_for(self, weight: float, now_ns: int) -> float:
        if self.tokens >= weight:
            return 0.0
        if self.limit.window is Window.UTC_DAY:
            return ((self.day + 1) * DAY_NS - now_ns) / NS_PER_SECOND
        rate = self.limit.count / self.limit.per_seconds
        return (weight - self.tokens) / rate


class RateLimiter:
    """Every limit of one provider; a request goes out only when all of them allow it."""

    def __init__(self, clock: Clock, limits: tuple[Limit, ...] | list[Limit] = ()) -> None:
        self._clock = clock
        now = clock.now_ns()
        self._buckets = [_Bucket(limit, now) for limit in limits]
        self._blocked_until = 0
        self._block_reason = ""
        self._block_quota = False

    @property
    def limits(self) -> tuple[Limit, ...]:
        return tuple(b.limit for b in self._buckets)

    def try_acquire(self, weight: float = 1.0) -> Denial | None:
        """Take ``weight`` from every bucket and return ``None``, or take nothing and say why not."""
        now = self._clock.now_ns()
        if now < self._blocked_until:
            wait = (self._blocked_until - now) / NS_PER_SECOND
            return Denial(wait, self._block_reason, self._block_quota)
        worst: Denial | None = None
        for bucket in self._buckets:
            bucket.refill(now)
            if weight > bucket.limit.count:
                return Denial(float("inf"), f"weight {weight:g} exceeds {bucket.limit.label()}", True)
            wait = bucket.wait_for(weight, now)
            if wait > 0 and (worst is None or wait > worst.wait_s):
                worst = Denial(wait, f"limit {bucket.limit.label()} reached", bucket.limit.is_quota)
        if worst is not None:
            return worst
        for bucket in self._buckets:
            bucket.tokens -= weight
        return None

    def block_until(self, until_ns: int, reason: str, *, quota: bool) -> None:
        """Stop every request until ``until_ns`` because the provider said so."""
        if until_ns > self._blocked_until:
            self._blocked_until = until_ns
            self._block_reason = reason
            self._block_quota = quota

    def exhaust_day(self) -> None:
        """The provider says today's quota is gone even if our count disagrees (another client used it)."""
        for bucket in self._buckets:
            if bucket.limit.window is Window.UTC_DAY:
                bucket.refill(self._clock.now_ns())
                bucket.tokens = 0.0

    def blocked_for(self) -> float:
        """Seconds until a block set by ``block_until`` lifts (0 when not blocked)."""
        return max(0, self._blocked_until - self._clock.now_ns()) / NS_PER_SECOND

    def remaining(self) -> dict[str, int]:
        """Requests left in each limit right now, by label (``25/day`` → 17); for status screens."""
        now = self._clock.now_ns()
        out: dict[str, int] = {}
        for bucket in self._buckets:
            bucket.refill(now)
            out[bucket.limit.label()] = int(bucket.tokens)
        return out


def next_utc_midnight_ns(now_ns: int) -> int:
    """When a daily quota counted in UTC days resets."""
    return (now_ns // DAY_NS + 1) * DAY_NS
