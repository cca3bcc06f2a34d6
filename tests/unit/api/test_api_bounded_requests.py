"""Every handler does a bounded amount of work on the event loop, and answers bad input with a
4xx up front: a gateway range is capped and simulated history is built off the loop, stored bars
are paged in SQL, an unknown interval is a 422, a size no account trades is a 422 before the
backtest starts, paging stops at offset + limit = 10,000, and a credential is checked before a
body is parsed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from v1_rig import T0, V1

from freeride.adapters.simulator.config import SimulatorConfig
from freeride.adapters.simulator.data import SimulatorData
from freeride.core.clock import NS_PER_SECOND
from freeride.core.market import Bar
from freeride.core.snapshot import Snapshot
from freeride.gateway.providers import ProviderSpec
from freeride.gateway.service import MarketDataGateway
from freeride.testing.fakes.provider import ScriptedProvider


class Recording(SimulatorData):
    """The simulator, noting which thread computes its answers."""

    threads: list[int]

    def _history(self, *args: Any) -> list[Bar]:
        self.threads.append(threading.get_ident())
        return super()._history(*args)

    def snapshot(self, *args: Any) -> Snapshot:
        self.threads.append(threading.get_ident())
        return super().snapshot(*args)


def simulated(v1: V1) -> Recording:
    simulator = Recording(v1.clock, SimulatorConfig(seed=11))
    simulator.threads = []
    v1.state.gateway = MarketDataGateway([ProviderSpec(simulator)], v1.bus, v1.clock)
    return simulator


async def test_simulated_history_and_first_prices_are_computed_off_the_event_loop(v1: V1) -> None:
    """Years of simulated daily bars, or fifty symbols' first prices, take seconds of CPU."""
    simulator = simulated(v1)
    start = datetime.fromtimestamp(T0 / NS_PER_SECOND - 4_900 * 86_400, UTC).isoformat()
    page = (await v1.get("/api/v1/bars/IBM", interval="1d", start=start, limit=3)).json()
    assert page["source"] == "gateway"
    assert page["total"] > 3_000  # the weekdays of 4,900 days
    quotes = (await v1.get("/api/v1/quotes", symbols=",".join(f"S{i}" for i in range(20)))).json()
    assert len(quotes["quotes"]) == 20
    assert len(simulator.threads) == 21
    assert threading.get_ident() not in simulator.threads  # the test runs on the loop's thread


async def test_a_gateway_range_past_the_cap_is_a_422_naming_start(v1: V1) -> None:
    provider = ScriptedProvider("fake", v1.clock, price=10.0)
    v1.state.gateway = MarketDataGateway([ProviderSpec(provider)], v1.bus, v1.clock)
    response = await v1.get("/api/v1/bars/IBM", interval="1d", start="1970-01-01")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["fields"][0]["field"] == "start"
    assert "more than 5,000 1d bars" in error["message"]
    assert provider.calls == 0  # refused before anyone was asked
    assert (await v1.get("/api/v1/bars/IBM", interval="1m", start="2023-11-01")).status_code == 422


async def test_an_unsupported_interval_is_a_422_not_a_503(v1: V1) -> None:
    simulated(v1)
    for interval, symbol in (("6w", "IBM"), ("2d", "GOOG"), ("1mo", "IBM"), ("1x", "IBM")):
        response = await v1.get(f"/api/v1/bars/{symbol}", interval=interval)
        assert response.status_code == 422, interval
        assert response.json()["error"]["fields"][0]["field"] == "interval"
    assert "1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w" in response.json()["error"]["message"]


async def test_stored_bars_are_paged_in_the_database(v1: V1) -> None:
    page = (await v1.get("/api/v1/bars/GOOG", interval="1d", offset=25, limit=10)).json()
    assert (page["total"], len(page["items"]), page["source"]) == (30, 5, "storage")
    assert page["items"][0]["open"] == 125.0  # the 26th bar, oldest first


async def test_paging_stops_at_ten_thousand(v1: V1) -> None:
    for path in ("/api/v1/orders", "/api/v1/bars/GOOG", "/api/v1/events", "/api/v1/runs"):
        response = await v1.get(path, offset=9_500, limit=1_000)
        assert response.status_code == 422, path
        assert response.json()["error"]["fields"][0]["field"] == "offset"
        assert (await v1.get(path, offset=9_000, limit=1_000)).status_code == 200


async def test_a_size_no_account_trades_is_a_422_before_the_backtest_starts(v1: V1) -> None:
    assert v1.state.backtests is not None
    for params in ({"size": 1e300}, {"size": "1e300"}, {"lot_size": 1e300}, {"slow": 10**30}):
        response = await v1.http.post(
            "/api/v1/backtests",
            json={"strategy": "sma_cross", "symbol": "GOOG", "params": params},
            headers=v1.auth("trade"),
        )
        assert response.status_code == 422, params
        assert "at most" in response.json()["error"]["message"]
    assert v1.state.backtests.jobs == {}


async def test_a_malformed_body_without_a_token_is_a_401_before_it_is_parsed(v1: V1) -> None:
    broken = b'{"reason": '
    json_type = {"Content-Type": "application/json"}
    for path in ("/api/v1/kill-switch", "/api/v1/alerts", "/api/v1/backtests", "/api/v1/kill-switch/resume"):
        response = await v1.http.post(path, content=broken, headers=json_type)
        assert response.status_code == 401, path
        bad = await v1.http.post(path, content=broken, headers={**json_type, "Authorization": "Bearer fr_x"})
        assert bad.status_code == 401, path
    low = await v1.http.post("/api/v1/kill-switch", content=broken, headers={**json_type, **v1.auth("read")})
    assert low.status_code == 403  # the scope too is checked before the body
    ok = await v1.http.post("/api/v1/kill-switch", content=broken, headers={**json_type, **v1.auth("trade")})
    assert ok.status_code == 400  # a good token: now the body is read, and it is malformed


async def test_the_schema_documents_the_limits_it_enforces(v1: V1) -> None:
    schema = (await v1.get("/api/v1/openapi.json")).json()
    bars = schema["paths"]["/api/v1/bars/{symbol}"]["get"]
    params = {p["name"]: p for p in bars["parameters"]}
    assert params["interval"]["schema"]["enum"] == ["1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w"]
    assert params["symbol"]["schema"]["maxLength"] == 32
    assert "forex pair" in params["symbol"]["description"]
    assert params["offset"]["schema"]["maximum"] == 9_999
    assert "offset + limit must be at most 10,000" in params["offset"]["description"]
    assert params["limit"]["schema"]["maximum"] == 1_000
    quotes = schema["paths"]["/api/v1/quotes"]["get"]
    assert "1 to 50" in quotes["parameters"][0]["description"]
    for path in ("/api/v1/alerts", "/api/v1/kill-switch", "/api/v1/backtests"):
        assert "400" in schema["paths"][path]["post"]["responses"], path
    assert schema["paths"]["/webhooks/tradingview"]["post"]["responses"].keys() >= {
        "400",
        "401",
        "413",
        "422",
    }
