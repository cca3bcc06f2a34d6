"""The read API: every route answers with real figures, pages and filters, and refuses bad input."""

from __future__ import annotations

import pytest
from v1_rig import OTHER_RUN, RUN, T0, V1

from freeride.app.live import LiveViews
from freeride.core.clock import NS_PER_SECOND as NS
from freeride.core.system import SystemEvent


async def test_instruments_list_and_one(v1: V1) -> None:
    body = (await v1.get("/api/v1/instruments")).json()
    assert body["total"] == 2
    assert {i["symbol"] for i in body["items"]} == {"GOOG", "EUR/USD"}
    one = await v1.get("/api/v1/instruments/eur/usd")
    assert one.status_code == 200
    assert one.json()["quote_currency"] == "USD"
    assert one.json()["base_currency"] == "EUR"


async def test_unknown_instrument_is_404_and_a_bad_symbol_is_422(v1: V1) -> None:
    missing = await v1.get("/api/v1/instruments/MSFT")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "no instrument 'MSFT'"
    bad = await v1.get("/api/v1/instruments/%25%25")
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "symbol"


async def test_quotes_from_bars_and_quotes_with_the_missing_named(v1: V1) -> None:
    body = (await v1.get("/api/v1/quotes", symbols="GOOG, eur/usd,AAPL")).json()
    by = {q["symbol"]: q for q in body["quotes"]}
    assert by["GOOG"]["price"] == 130.0  # the last of 30 seeded bars closes at 101 + 29
    assert by["GOOG"]["source"] == "bar:1d"
    assert by["EUR/USD"]["price"] == pytest.approx(1.1001)
    assert by["EUR/USD"]["bid"] == 1.1
    assert body["missing"] == ["AAPL"]


@pytest.mark.parametrize("symbols", ["", ",,", "GOOG,%%%", ",".join(f"S{i}" for i in range(51))])
async def test_quotes_refuse_bad_symbol_lists(v1: V1, symbols: str) -> None:
    response = await v1.get("/api/v1/quotes", symbols=symbols)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "symbols"


async def test_quotes_need_the_symbols_parameter(v1: V1) -> None:
    response = await v1.get("/api/v1/quotes")
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [{"field": "symbols", "message": "Field required"}]


async def test_bars_page_and_time_filter(v1: V1) -> None:
    page = (await v1.get("/api/v1/bars/GOOG", limit=5, offset=10)).json()
    assert page["total"] == 30
    assert [b["close"] for b in page["items"]] == [111.0, 112.0, 113.0, 114.0, 115.0]
    window = (
        await v1.get("/api/v1/bars/GOOG", start="2023-11-16T00:00:00Z", end="2023-11-18T00:00:00Z")
    ).json()
    assert window["total"] == 2
    bad = await v1.get("/api/v1/bars/GOOG", interval="fortnight")
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "interval"


async def test_signals_newest_first_filtered(v1: V1) -> None:
    body = (await v1.get("/api/v1/signals")).json()
    assert [s["signal_id"] for s in body["items"]] == ["s2", "s1", "s0"]
    assert (await v1.get("/api/v1/signals", symbol="EUR/USD")).json()["total"] == 0
    assert (await v1.get("/api/v1/signals", strategy="sma_cross:GOOG", limit=1)).json()["items"][0][
        "direction"
    ] == "long"


async def test_orders_newest_first_with_filters(v1: V1) -> None:
    body = (await v1.get("/api/v1/orders")).json()
    assert body["total"] == 6
    assert body["items"][0]["client_order_id"] == "fr-6"
    assert body["items"][1]["avg_fill_price"] == "100.10"
    accepted = (await v1.get("/api/v1/orders", status="accepted")).json()
    assert [o["client_order_id"] for o in accepted["items"]] == ["fr-6"]
    assert (await v1.get("/api/v1/orders", symbol="eur/usd")).json()["total"] == 1
    bad = await v1.get("/api/v1/orders", status="lost")
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "status"


async def test_fills_positions_and_accounts(v1: V1) -> None:
    fills = (await v1.get("/api/v1/fills", limit=2)).json()
    assert fills["total"] == 5
    assert [f["fill_id"] for f in fills["items"]] == ["f-5", "f-4"]
    assert fills["items"][0]["commission"] == "5.00"
    positions = (await v1.get("/api/v1/positions")).json()
    assert {p["symbol"]: p["realized_pnl"] for p in positions["items"]} == {
        "GOOG": "12.50",
        "EUR/USD": "-3.25",
    }
    open_only = (await v1.get("/api/v1/positions", open="true")).json()
    assert [p["symbol"] for p in open_only["items"]] == ["GOOG"]
    account = (await v1.get("/api/v1/accounts")).json()["items"][0]
    assert account == {  # bought 50 at 100 with 5 commission, marked at 110
        "account": "GOOG",
        "currency": "USD",
        "cash": "89995",
        "equity": "95495.0",
        "pnl": {"GOOG": "495.0"},
    }


async def test_per_run_lists_take_another_run_and_404_an_unknown_one(v1: V1) -> None:
    other = (await v1.get("/api/v1/orders", run=OTHER_RUN)).json()
    assert other["total"] == 0
    for path in ("/api/v1/orders", "/api/v1/fills", "/api/v1/positions"):
        missing = await v1.get(path, run="run-doesnotexist")
        assert missing.status_code == 404, path
        assert missing.json()["error"]["message"] == "no run with id 'run-doesnotexist'"
        bad = await v1.get(path, run="a b;drop")
        assert bad.status_code == 422, path
        assert bad.json()["error"]["fields"][0]["field"] == "run"


async def test_events_filter_by_level_source_run_and_time(v1: V1) -> None:
    everything = (await v1.get("/api/v1/events")).json()
    assert [e["kind"] for e in everything["items"]] == ["k3", "k2", "k1", "k0"]
    assert [e["kind"] for e in (await v1.get("/api/v1/events", min_level="warning")).json()["items"]] == [
        "k2",
        "k1",
    ]
    assert (await v1.get("/api/v1/events", level="error")).json()["items"][0]["source"] == "broker"
    assert (await v1.get("/api/v1/events", source="run")).json()["total"] == 2
    assert (await v1.get("/api/v1/events", run=OTHER_RUN)).json()["total"] == 0
    later = (await v1.get("/api/v1/events", start="2023-11-14T22:13:22Z")).json()
    assert [e["kind"] for e in later["items"]] == ["k3", "k2"]
    bad = await v1.get("/api/v1/events", min_level="loud")
    assert bad.status_code == 422
    assert "min_level" in bad.json()["error"]["message"]


async def test_events_filter_the_journal_by_kind_component_symbol_chain_and_after_id(v1: V1) -> None:
    await v1.repos.journal.append(
        [
            SystemEvent(
                source="execution",
                kind="order_filled",
                message="filled",
                ts_event=T0 + 10 * NS,
                ts_init=T0 + 10 * NS,
                symbol="GOOG",
                correlation_id="c-1",
            ),
            SystemEvent(
                source="execution",
                kind="fill",
                message="fill",
                ts_event=T0 + 11 * NS,
                ts_init=T0 + 11 * NS,
                symbol="EUR/USD",
                correlation_id="c-2",
            ),
        ],
        RUN,
    )
    body = (await v1.get("/api/v1/events", kind=["order_filled", "fill"])).json()
    assert [e["kind"] for e in body["items"]] == ["fill", "order_filled"]
    assert body["items"][0]["component"] == "execution"
    assert body["items"][0]["run_id"] == RUN
    assert (await v1.get("/api/v1/events", component=["execution", "broker"])).json()["total"] == 3
    one = (await v1.get("/api/v1/events", symbol="GOOG")).json()["items"]
    assert [(e["kind"], e["correlation_id"]) for e in one] == [("order_filled", "c-1")]
    assert (await v1.get("/api/v1/events", correlation_id="c-2")).json()["items"][0]["symbol"] == "EUR/USD"
    newest = max(e["id"] for e in (await v1.get("/api/v1/events")).json()["items"])
    assert (await v1.get("/api/v1/events", after_id=newest)).json()["items"] == []
    assert [e["kind"] for e in (await v1.get("/api/v1/events", after_id=newest - 1)).json()["items"]] == [
        "fill"
    ]
    paged = (await v1.get("/api/v1/events", limit=2, offset=1)).json()
    assert paged["total"] == 6
    assert len(paged["items"]) == 2
    assert (await v1.get("/api/v1/events", after_id=-1)).status_code == 422


async def test_runs_list_filter_and_one(v1: V1) -> None:
    runs = (await v1.get("/api/v1/runs")).json()
    assert {r["run_id"] for r in runs["items"]} == {RUN, OTHER_RUN}
    backtests = (await v1.get("/api/v1/runs", kind="backtest")).json()
    assert [r["run_id"] for r in backtests["items"]] == [OTHER_RUN]
    one = (await v1.get(f"/api/v1/runs/{OTHER_RUN}")).json()
    assert one["summary"] == {"final_equity": "101000.00", "trades": 3}
    assert one["finished_at"] == T0
    assert (await v1.get("/api/v1/runs/run-nope")).status_code == 404


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (1001, 0), ("ten", 0), (10, -1), (10, "x")])
async def test_paging_parameters_are_checked(v1: V1, limit: object, offset: object) -> None:
    response = await v1.get("/api/v1/orders", limit=limit, offset=offset)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] in ("limit", "offset")


async def test_paging_past_the_end_is_an_empty_page(v1: V1) -> None:
    body = (await v1.get("/api/v1/orders", limit=10, offset=100)).json()
    assert body == {"items": [], "total": 6, "limit": 10, "offset": 100}


async def test_settings_are_masked_and_admin_only(v1: V1) -> None:
    assert (await v1.get("/api/v1/settings", scope="trade")).status_code == 403
    response = await v1.get("/api/v1/settings", scope="admin")
    assert response.status_code == 200
    text = response.text
    assert "very-secret" not in text
    assert response.json()["notify"]["discord"]["ops"] == "**********"


async def test_without_a_live_bus_quotes_and_signals_say_so(v1: V1) -> None:
    v1.state.live = None
    response = await v1.get("/api/v1/quotes", symbols="GOOG")
    assert response.status_code == 503
    assert "no event bus" in response.json()["error"]["message"]


async def test_live_views_stop_following_the_bus_when_closed(v1: V1) -> None:
    views = LiveViews(v1.bus)
    views.close()
    assert views.prices == {}


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/bars/GOOG"])
async def test_times_outside_what_nanoseconds_hold_are_422_not_500(v1: V1, path: str) -> None:
    response = await v1.get(path, end="0003-10-25T21:36:12Z")
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [
        {"field": "end", "message": "must be between 1970-01-01 and 2262-01-01"}
    ]
