"""``GET /api/v1/markets``: open or closed per streamed symbol, with the next open and close."""

from __future__ import annotations

from v1_rig import V1

from freeride.core.forex_week import ForexWeek
from freeride.core.instruments import parse_instrument
from freeride.gateway.market_hours import CalendarChoice, CalendarMarketHours
from freeride.testing.calendars import market_hours, ny


def follow(v1: V1, at: str, *, always_open: bool = False) -> None:
    v1.clock.set_ns(ny(at))
    v1.state.hours = market_hours(always_open=always_open)
    v1.state.market_instruments = [parse_instrument("GOOG"), parse_instrument("EUR/USD")]


async def test_a_saturday_says_when_each_market_opens(v1: V1) -> None:
    follow(v1, "2026-12-05 10:00")
    response = await v1.get("/api/v1/markets")
    assert response.status_code == 200
    body = response.json()
    assert (body["followed"], body["always_open"], body["ts"]) == (True, False, ny("2026-12-05 10:00"))
    goog, eurusd = body["markets"]
    assert goog == {
        "symbol": "GOOG",
        "calendar": "XNYS",
        "timezone": "America/New_York",
        "status": "closed",
        "message": "closed until Mon 7 Dec 09:30 EST (14:30 UTC)",
        "next_open_ns": ny("2026-12-07 09:30"),
        "next_open": "2026-12-07T14:30:00Z",
        "next_close_ns": ny("2026-12-07 16:00"),
        "next_close": "2026-12-07T21:00:00Z",
        "early_close": False,
    }
    assert eurusd["calendar"] == "FOREX"
    assert eurusd["message"] == "closed until Sun 6 Dec 17:00 EST (22:00 UTC)"
    assert eurusd["next_close"] == "2026-12-11T22:00:00Z"  # Friday, not the daily roll


async def test_a_half_day_is_flagged_and_any_symbol_can_be_asked(v1: V1) -> None:
    follow(v1, "2026-11-27 10:00")
    body = (await v1.get("/api/v1/markets", symbols="aapl,GBP/USD")).json()
    aapl, cable = body["markets"]
    assert (aapl["symbol"], aapl["status"], aapl["early_close"]) == ("AAPL", "open", True)
    assert aapl["message"] == "open until 13:00 EST (18:00 UTC), half day"
    assert (cable["status"], cable["next_close"]) == ("open", "2026-11-27T22:00:00Z")


async def test_always_open_and_bad_symbols(v1: V1) -> None:
    follow(v1, "2026-12-05 10:00", always_open=True)
    body = (await v1.get("/api/v1/markets")).json()
    assert body["always_open"] is True
    assert {m["status"] for m in body["markets"]} == {"open"}
    assert {m["message"] for m in body["markets"]} == {"always open (demo)"}
    bad = await v1.get("/api/v1/markets", symbols="EURUSD!")
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0]["field"] == "symbols"


async def test_a_symbol_on_a_calendar_not_loaded_is_422(v1: V1) -> None:
    follow(v1, "2026-12-07 10:00")
    v1.state.hours = CalendarMarketHours({"FOREX": ForexWeek()}, CalendarChoice())
    bad = await v1.get("/api/v1/markets", symbols="MSFT")
    assert bad.status_code == 422
    assert "XNYS" in bad.json()["error"]["message"]


async def test_a_replay_follows_no_market_hours(v1: V1) -> None:
    body = (await v1.get("/api/v1/markets")).json()
    assert (body["followed"], body["markets"]) == (False, [])


async def test_reading_markets_needs_a_token(v1: V1) -> None:
    assert (await v1.http.get("/api/v1/markets")).status_code == 401
