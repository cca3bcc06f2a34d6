"""Failover: rate-limited primary, dead primary (circuit open, probe, recovery), all down, quotas."""

from __future__ import annotations

import asyncio

import pytest
from gateway_rig import rig

from freeride.core.errors import AuthError, InvalidInput, NotAvailable, RateLimited, TemporaryError
from freeride.core.instruments import AssetClass
from freeride.core.system import Level
from freeride.gateway.config import GatewayConfig
from freeride.gateway.errors import NoProviderAnswered
from freeride.net.errors import BadReply, NotEntitled, QuotaExhausted
from freeride.net.limiter import Limit
from freeride.ports.market_data import RequestKind
from freeride.testing.fakes.waiting import until


async def test_rate_limited_primary_is_answered_by_the_secondary() -> None:
    r = rig("primary", "secondary")
    r.providers["primary"].fail(RateLimited("primary: HTTP 429: slow down", 10))
    snap = await r.gateway.latest("AAPL")
    assert snap.provider == "secondary"
    (event,) = r.system("failover")
    assert event.level is Level.WARNING
    assert event.data["answered_by"] == "secondary"
    assert str(event.data["reason.primary"]).startswith("rate limited: HTTP 429")
    # the primary is left alone until its Retry-After has passed
    await r.gateway.latest("AAPL")
    assert r.providers["primary"].calls == 1
    r.clock.advance(10)
    assert (await r.gateway.latest("AAPL")).provider == "primary"


async def test_dead_primary_opens_its_circuit_then_recovers_after_the_probe() -> None:
    r = rig(
        "primary", "secondary", config=GatewayConfig(quote_ttl_s=0, failure_threshold=3, reset_timeout_s=30)
    )
    primary = r.providers["primary"]
    primary.always(TemporaryError("primary: HTTP 502"))
    for _ in range(5):
        assert (await r.gateway.latest("AAPL")).provider == "secondary"
    assert primary.calls == 3  # the open circuit spares it the last two
    opened = r.system("circuit")
    assert [(e.data["from"], e.data["to"]) for e in opened] == [("closed", "open")]
    assert "circuit open" in str(r.system("failover")[-1].data["reason.primary"])
    r.clock.advance(30)
    primary.always(None)
    assert (await r.gateway.latest("AAPL")).provider == "primary"  # the probe succeeded
    assert [(e.data["from"], e.data["to"]) for e in r.system("circuit")] == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
    ]
    assert r.gateway.status()[0].circuit == "closed"


async def test_a_failed_probe_keeps_the_circuit_open() -> None:
    r = rig(
        "primary", "secondary", config=GatewayConfig(quote_ttl_s=0, failure_threshold=1, reset_timeout_s=5)
    )
    r.providers["primary"].always(TemporaryError("down"))
    await r.gateway.latest("AAPL")
    r.clock.advance(5)
    await r.gateway.latest("AAPL")
    assert r.gateway.status()[0].circuit == "open"
    assert r.providers["primary"].calls == 2


async def test_all_down_is_one_clear_error_naming_every_reason() -> None:
    r = rig("alphavantage", "finnhub", "yahoo")
    r.providers["alphavantage"].fail(QuotaExhausted("alphavantage: 25 requests per day", 3600))
    r.providers["finnhub"].fail(BadReply("finnhub", "an HTML page instead of JSON (HTTP 200)"))
    r.providers["yahoo"].fail(NotAvailable("yahoo: empty result for AAPL"))
    with pytest.raises(NoProviderAnswered) as caught:
        await r.gateway.latest("AAPL")
    error = caught.value
    assert list(error.reasons) == ["alphavantage", "finnhub", "yahoo"]
    assert str(error) == (
        "no provider could answer quote AAPL — "
        "alphavantage: quota exhausted: 25 requests per day; "
        "finnhub: bad reply: an HTML page instead of JSON (HTTP 200); "
        "yahoo: not available: empty result for AAPL"
    )
    assert error.retry_after is None
    (unanswered,) = r.system("no_provider")
    assert unanswered.level is Level.ERROR
    assert r.market() == []


async def test_quota_exhausted_means_no_calls_until_the_reset() -> None:
    r = rig("alphavantage", "yahoo", limits={"alphavantage": (Limit.per_second(1), Limit.per_day_utc(3))})
    av = r.providers["alphavantage"]
    for _ in range(3):
        assert (await r.gateway.latest("IBM")).provider == "alphavantage"
        r.clock.advance(1)
    for _ in range(4):
        assert (await r.gateway.latest("IBM")).provider == "yahoo"
        r.clock.advance(60)
    assert av.calls == 3
    (quota,) = r.system("quota_exhausted")  # said once, not on every request
    assert quota.data["provider"] == "alphavantage"
    assert quota.data["reset_in_s"] == pytest.approx(12 * 3600 - 3, abs=1)
    r.clock.advance(12 * 3600)  # past 00:00 UTC
    assert (await r.gateway.latest("IBM")).provider == "alphavantage"
    assert av.calls == 4


async def test_quota_reply_from_the_provider_blocks_it_until_the_reset() -> None:
    r = rig("alphavantage", "yahoo", limits={"alphavantage": (Limit.per_day_utc(25),)})
    r.providers["alphavantage"].fail(QuotaExhausted("alphavantage: 25 requests per day", 43_200))
    assert (await r.gateway.latest("IBM")).provider == "yahoo"
    r.clock.advance(43_199)
    assert (await r.gateway.latest("IBM")).provider == "yahoo"
    assert r.providers["alphavantage"].calls == 1
    assert r.gateway.status()[0].quota_left == {"25/day": 0}
    r.clock.advance(1)
    assert (await r.gateway.latest("IBM")).provider == "alphavantage"


async def test_our_own_limiter_fails_over_before_the_vendor_says_no() -> None:
    r = rig("finnhub", "yahoo", limits={"finnhub": (Limit.per_second(30), Limit.per_minute(60))})
    answered = [(await r.gateway.latest(f"S{i}")).provider for i in range(61)]
    assert answered.count("finnhub") == 30  # the 30-per-second cap binds first
    assert r.providers["finnhub"].calls == 30
    assert "limit 30/s reached" in str(r.system("failover")[0].data["reason.finnhub"])


async def test_a_short_burst_limit_is_waited_out_on_the_clock() -> None:
    r = rig("alphavantage")
    r.providers["alphavantage"].fail(RateLimited("alphavantage: 1 request per second", 1.0))
    task = asyncio.ensure_future(r.gateway.latest("IBM"))
    await until(lambda: r.clock.sleepers != 0)
    assert not task.done()
    r.clock.advance(1.0)
    assert (await task).provider == "alphavantage"
    assert r.providers["alphavantage"].calls == 2


async def test_a_bad_key_trips_the_circuit_and_says_so() -> None:
    r = rig("finnhub", "yahoo")
    r.providers["finnhub"].fail(AuthError("finnhub: HTTP 401: Invalid API key"))
    assert (await r.gateway.latest("AAPL")).provider == "yahoo"
    assert r.gateway.status()[0].circuit == "open"
    (auth,) = r.system("auth_failed")
    assert auth.level is Level.ERROR


async def test_unknown_symbol_and_not_offered_are_not_outages() -> None:
    r = rig("primary", "secondary", config=GatewayConfig(quote_ttl_s=0, failure_threshold=1))
    r.providers["primary"].fail(NotAvailable("primary: 403 plan"))
    r.providers["primary"].fail(InvalidInput("primary: unknown symbol"))
    await r.gateway.latest("AAPL")
    await r.gateway.latest("AAPL")
    assert r.gateway.status()[0].circuit == "closed"


async def test_providers_are_asked_only_for_what_they_support() -> None:
    r = rig("stocks_only", "any")
    r.providers["stocks_only"]._classes = (r.providers["stocks_only"]._classes[0],)
    assert r.gateway.chain(RequestKind.QUOTE, AssetClass.FOREX) == ["any"]
    assert r.gateway.chain(RequestKind.QUOTE, AssetClass.STOCK) == ["stocks_only", "any"]
    assert (await r.gateway.fx_rate("eur", "usd")).provider == "any"
    assert r.providers["stocks_only"].calls == 0


async def test_a_plan_refusal_is_remembered_for_the_route_not_the_provider() -> None:
    r = rig("finnhub", "yahoo", config=GatewayConfig(quote_ttl_s=0, bars_ttl_s=0, not_entitled_s=3600))
    finnhub = r.providers["finnhub"]
    finnhub.fail(NotEntitled("finnhub: HTTP 403: You don't have access to this resource."))
    for _ in range(3):
        bars = await r.gateway.bars("AAPL", "1d", 0, 10)
        assert bars[0].close == 101.0  # yahoo's price
    assert finnhub.calls == 1  # candles refused once, not asked again
    assert (await r.gateway.latest("AAPL")).provider == "finnhub"  # quotes still are
    assert r.gateway.status()[0].circuit == "closed"
    r.clock.advance(3600)
    await r.gateway.bars("AAPL", "1d", 0, 10)
    assert finnhub.calls == 3
