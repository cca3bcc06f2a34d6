"""The gateway's counters on ``/metrics``: per provider calls, failures, circuit state and requests
left; overall cache hits and misses, failovers and unanswered requests."""

from __future__ import annotations

import httpx
import pytest
from v1_rig import V1

from freeride.api import create_app
from freeride.api.gateway_metrics import register_gateway
from freeride.bus.memory import InMemoryBus
from freeride.core.clock import ManualClock
from freeride.core.errors import AuthError, TemporaryError
from freeride.gateway.errors import NoProviderAnswered
from freeride.gateway.providers import ProviderSpec
from freeride.gateway.service import MarketDataGateway
from freeride.net.limiter import Limit
from freeride.ops.metrics import Metrics
from freeride.testing.fakes.provider import ScriptedProvider


def sample(text: str, line_start: str) -> float:
    [line] = [line for line in text.splitlines() if line.startswith(line_start + " ")]
    return float(line.rsplit(" ", 1)[1])


async def test_failover_cache_and_circuit_are_counted() -> None:
    clock = ManualClock(10**18)
    bus = InMemoryBus(clock)
    broken = ScriptedProvider("primary", clock, price=1.0)
    broken.always(AuthError("key rejected"))
    backup = ScriptedProvider("backup", clock, price=2.0)
    limits = (Limit.per_day_utc(25),)
    gateway = MarketDataGateway([ProviderSpec(broken), ProviderSpec(backup, limits)], bus, clock)
    metrics = Metrics()
    register_gateway(metrics, gateway)

    await gateway.latest("AAPL")  # primary fails (auth: circuit opens), backup answers: a failover
    await gateway.latest("AAPL")  # from the cache
    backup.always(TemporaryError("down"))
    with pytest.raises(NoProviderAnswered):
        await gateway.latest("MSFT")
    text = metrics.render().decode()

    assert sample(text, 'freeride_gateway_upstream_calls_total{provider="primary"}') == 1
    assert sample(text, 'freeride_gateway_upstream_calls_total{provider="backup"}') == 2
    assert sample(text, 'freeride_gateway_provider_failures_total{provider="primary"}') == 1
    assert sample(text, 'freeride_gateway_provider_failures_total{provider="backup"}') == 1
    assert sample(text, 'freeride_gateway_circuit_state{provider="primary",state="open"}') == 1
    assert sample(text, 'freeride_gateway_circuit_state{provider="primary",state="closed"}') == 0
    assert sample(text, 'freeride_gateway_circuit_state{provider="backup",state="closed"}') == 1
    assert sample(text, 'freeride_gateway_requests_left{provider="backup",window="25/day"}') == 23
    assert sample(text, "freeride_gateway_cache_hits_total") == 1
    assert sample(text, "freeride_gateway_cache_misses_total") == 2
    assert sample(text, "freeride_gateway_failovers_total") == 1
    assert sample(text, "freeride_gateway_unanswered_total") == 1


async def test_the_app_exports_them_only_with_a_gateway(v1: V1) -> None:
    assert "freeride_gateway_" not in (await v1.get("/metrics")).text
    provider = ScriptedProvider("fake", v1.clock, price=3.0)
    v1.state.gateway = MarketDataGateway([ProviderSpec(provider)], v1.bus, v1.clock)
    transport = httpx.ASGITransport(create_app(v1.state))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        await http.get("/api/v1/quotes?symbols=AAPL", headers=v1.auth("read"))
        text = (await http.get("/metrics", headers=v1.auth("read"))).text
    assert sample(text, 'freeride_gateway_upstream_calls_total{provider="fake"}') == 1
