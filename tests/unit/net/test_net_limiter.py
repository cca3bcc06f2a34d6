"""Token buckets and daily quotas on a manual clock: grants, waits, resets, provider-ordered blocks."""

from __future__ import annotations

import pytest

from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.net.limiter import DAY_NS, Limit, RateLimiter, next_utc_midnight_ns

NOON = 19_000 * DAY_NS + 12 * 3_600 * NS_PER_SECOND


def test_per_second_bucket_refills_continuously() -> None:
    clock = ManualClock(NOON)
    limiter = RateLimiter(clock, [Limit.per_second(2)])
    assert limiter.try_acquire() is None
    assert limiter.try_acquire() is None
    denial = limiter.try_acquire()
    assert denial is not None
    assert denial.wait_s == pytest.approx(0.5)
    assert not denial.quota
    assert denial.reason == "limit 2/s reached"
    clock.advance(0.5)
    assert limiter.try_acquire() is None


def test_weights_count_several_requests() -> None:
    clock = ManualClock(NOON)
    limiter = RateLimiter(clock, [Limit.per_minute(60)])
    assert limiter.try_acquire(10) is None
    assert limiter.remaining() == {"60/min": 50}
    denial = limiter.try_acquire(100)
    assert denial is not None
    assert denial.wait_s == float("inf")


def test_daily_quota_resets_at_utc_midnight_not_after_24_hours() -> None:
    clock = ManualClock(NOON)
    limiter = RateLimiter(clock, [Limit.per_second(1), Limit.per_day_utc(2)])
    assert limiter.try_acquire() is None
    clock.advance(1)
    assert limiter.try_acquire() is None
    clock.advance(1)
    denial = limiter.try_acquire()
    assert denial is not None
    assert denial.quota
    assert denial.wait_s == pytest.approx((next_utc_midnight_ns(NOON) - clock.now_ns()) / NS_PER_SECOND)
    clock.set_ns(next_utc_midnight_ns(NOON) - 1)
    assert limiter.try_acquire() is not None
    clock.advance(1e-9)
    assert limiter.try_acquire() is None
    assert limiter.remaining()["2/day"] == 1


def test_a_denied_request_takes_nothing_from_other_buckets() -> None:
    clock = ManualClock(NOON)
    limiter = RateLimiter(clock, [Limit.per_second(5), Limit.per_day_utc(1)])
    assert limiter.try_acquire() is None
    assert limiter.try_acquire() is not None
    assert limiter.remaining() == {"5/s": 4, "1/day": 0}


def test_block_until_outranks_counting() -> None:
    clock = ManualClock(NOON)
    limiter = RateLimiter(clock, [Limit.per_second(100)])
    limiter.block_until(clock.now_ns() + 30 * NS_PER_SECOND, "quota exhausted", quota=True)
    denial = limiter.try_acquire()
    assert denial is not None
    assert (denial.wait_s, denial.reason, denial.quota) == (30.0, "quota exhausted", True)
    assert limiter.blocked_for() == 30.0
    clock.advance(30)
    assert limiter.try_acquire() is None


def test_exhaust_day_empties_only_daily_quotas() -> None:
    clock = ManualClock(NOON)
    limiter = RateLimiter(clock, [Limit.per_second(1), Limit.per_day_utc(25)])
    limiter.exhaust_day()
    assert limiter.remaining() == {"1/s": 1, "25/day": 0}
