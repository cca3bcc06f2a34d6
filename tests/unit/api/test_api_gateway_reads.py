"""Quotes and bars through the market-data gateway: the bus and storage answer first, the gateway
answers what they lack, ``source`` says which, and without a gateway nothing changes."""

from __future__ import annotations

from v1_rig import T0, V1

from freeride.adapters.simulator.config import SimulatorConfig
from freeride.adapters.simulator.data import SimulatorData
from freeride.core.errors import TemporaryError
from freeride.gateway.providers import ProviderSpec
from freeride.gateway.service import MarketDataGateway
from freeride.testing.fakes.provider import ScriptedProvider


def scripted(v1: V1, price: float = 187.5) -> ScriptedProvider:
    provider = ScriptedProvider("fake", v1.clock, price=price)
    v1.state.gateway = MarketDataGateway([ProviderSpec(provider)], v1.bus, v1.clock)
    return provider


def simulated(v1: V1) -> MarketDataGateway:
    gateway = MarketDataGateway(
        [ProviderSpec(SimulatorData(v1.clock, SimulatorConfig(seed=11)))], v1.bus, v1.clock
    )
    v1.state.gateway = gateway
    return gateway


async def test_quotes_the_bus_has_not_seen_come_from_the_gateway(v1: V1) -> None:
    provider = scripted(v1)
    body = (await v1.get("/api/v1/quotes", symbols="GOOG,AAPL,eur/usd,AAPL")).json()
    by = {q["symbol"]: q for q in body["quotes"]}
    assert [q["symbol"] for q in body["quotes"]] == ["GOOG", "AAPL", "EUR/USD"]
    assert body["missing"] == []
    assert by["GOOG"]["source"] == "bar:1d"  # the bus first
    assert by["EUR/USD"]["source"] == "quote"
    assert by["AAPL"] == {
        "symbol": "AAPL",
        "price": 187.5,
        "bid": None,
        "ask": None,
        "source": "gateway:fake",
        "ts_event": T0,
    }
    assert provider.calls == 1  # only what the bus lacked, once


async def test_quotes_no_provider_answers_stay_missing(v1: V1) -> None:
    provider = scripted(v1)
    provider.always(TemporaryError("upstream down"))
    body = (await v1.get("/api/v1/quotes", symbols="GOOG,AAPL")).json()
    assert [q["symbol"] for q in body["quotes"]] == ["GOOG"]
    assert body["missing"] == ["AAPL"]


async def test_simulated_quotes_are_deterministic(v1: V1) -> None:
    simulated(v1)
    first = (await v1.get("/api/v1/quotes", symbols="MSFT,GBP/USD")).json()
    simulated(v1)  # a fresh gateway: no cache between the two
    second = (await v1.get("/api/v1/quotes", symbols="MSFT,GBP/USD")).json()
    assert first == second
    assert {q["source"] for q in first["quotes"]} == {"gateway:simulator"}
    assert all(q["price"] > 0 for q in first["quotes"])


async def test_without_a_gateway_unseen_symbols_are_missing(v1: V1) -> None:
    body = (await v1.get("/api/v1/quotes", symbols="AAPL")).json()
    assert body == {"quotes": [], "missing": ["AAPL"]}


async def test_stored_bars_win_over_the_gateway(v1: V1) -> None:
    provider = scripted(v1)
    page = (await v1.get("/api/v1/bars/GOOG", limit=5)).json()
    assert page["source"] == "storage"
    assert page["total"] == 30
    assert provider.calls == 0


async def test_bars_storage_lacks_come_from_the_gateway(v1: V1) -> None:
    simulated(v1)
    page = (
        await v1.get("/api/v1/bars/MSFT", start="2023-10-02T00:00:00Z", end="2023-10-14T00:00:00Z")
    ).json()
    assert page["source"] == "gateway"
    assert page["total"] == 10  # two weeks of weekdays
    stamps = [b["ts_event"] for b in page["items"]]
    assert stamps == sorted(stamps)
    assert {b["symbol"] for b in page["items"]} == {"MSFT"}
    again = (
        await v1.get("/api/v1/bars/MSFT", start="2023-10-02T00:00:00Z", end="2023-10-14T00:00:00Z")
    ).json()
    assert again == page  # the simulator is seeded


async def test_bars_without_a_range_reach_back_from_now(v1: V1) -> None:
    simulated(v1)
    page = (await v1.get("/api/v1/bars/MSFT", limit=1000)).json()
    assert page["source"] == "gateway"
    assert 150 < page["total"] <= 300
    assert all(b["ts_event"] < T0 for b in page["items"])


async def test_bars_the_gateway_cannot_give_are_503_naming_why(v1: V1) -> None:
    provider = scripted(v1)
    provider.always(TemporaryError("upstream down"))
    response = await v1.get("/api/v1/bars/MSFT", start="2023-10-02T00:00:00Z")
    assert response.status_code == 503
    assert "upstream down" in response.json()["error"]["message"]


async def test_without_a_gateway_unstored_bars_are_an_empty_page(v1: V1) -> None:
    page = (await v1.get("/api/v1/bars/MSFT")).json()
    assert page == {"items": [], "total": 0, "limit": 100, "offset": 0, "source": "storage"}
