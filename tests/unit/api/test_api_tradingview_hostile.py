"""``POST /webhooks/tradingview`` against hostile and careless bodies: bounded parsing (a 4xx and
one log line, never a 500), every copy of the passphrase stripped, an empty ticker named, NaN and
Infinity read as no price, and only ASCII decimals read as prices."""

from __future__ import annotations

import json

import pytest
import structlog
from api_rig import PASSPHRASE, Api

from freeride.alerts.intake import IntakeConfig, WebhookIntake
from freeride.bus import topics
from freeride.core.alerts import AlertFired, AlertKind, AlertRule, WebhookAlert
from freeride.testing.fakes.waiting import until

URL = "/webhooks/tradingview"
JSON = {"Content-Type": "application/json"}


def roomy(api: Api) -> None:
    """The production size limit (16 KiB), so the hostile bodies fit under it."""
    api.state.intake = api.intake = WebhookIntake(
        IntakeConfig(passphrase=PASSPHRASE, max_body_bytes=16_384), api.bus, api.clock
    )


def body(**fields: object) -> bytes:
    return json.dumps({"passphrase": PASSPHRASE, "ticker": "AAPL", **fields}).encode()


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b'{"passphrase": "p", "n": ' + b"9" * 5_000 + b"}", "number of 5000 characters"),
        (b'{"passphrase": "p", "n": ' + b"[" * 1_500 + b"]" * 1_500 + b"}", "nested 1501 levels"),
        (b'{"passphrase": "p", "n": ' + b'{"a":' * 1_500 + b"1" + b"}" * 1_500 + b"}", "nested 1501 levels"),
        (b'{"passphrase": "p", "n": 1.' + b"5" * 200 + b"}", "number of 202 characters"),
    ],
    ids=["long-integer", "deep-array", "deep-object", "long-float"],
)
async def test_unbounded_json_is_a_400_and_one_log_line(api: Api, raw: bytes, says: str) -> None:
    roomy(api)
    with structlog.testing.capture_logs() as logs:
        response = await api.http.post(URL, content=raw, headers=JSON)
    assert response.status_code == 400
    assert says in response.json()["error"]["message"]
    assert [e["event"] for e in logs] == ["webhook.rejected"]
    assert api.intake.pending == 0


async def test_brackets_inside_strings_do_not_count_as_nesting(api: Api) -> None:
    roomy(api)
    response = await api.http.post(URL, content=body(message="[" * 2_000 + "{" * 2_000), headers=JSON)
    assert response.status_code == 200


async def test_a_lone_surrogate_is_refused_before_it_reaches_storage(api: Api) -> None:
    raw = b'{"passphrase": "' + PASSPHRASE.encode() + b'", "ticker": "AAPL", "note": "\\ud800"}'
    response = await api.http.post(URL, content=raw, headers=JSON)
    assert response.status_code == 400
    assert "not valid Unicode" in response.json()["error"]["message"]


async def test_every_copy_of_the_passphrase_is_stripped_before_the_alert_goes_anywhere(api: Api) -> None:
    got: list[WebhookAlert] = []
    fired: list[AlertFired] = []
    api.bus.subscribe(topics.ALL_WEBHOOKS, got.append)
    api.bus.subscribe(topics.ALL_ALERTS, fired.append)
    api.engine.upsert(AlertRule(id="tv", symbol="*", kind=AlertKind.WEBHOOK))
    raw = body(
        secret=PASSPHRASE,
        meta={"Passphrase": PASSPHRASE, "level": [{"secret": PASSPHRASE}], "keep": 1},
        note=f"the passphrase is {PASSPHRASE}",
        action="buy",
    )
    response = await api.http.post(URL, content=raw, headers=JSON)
    assert response.json()["status"] == "accepted"
    await until(lambda: len(fired) == 1)
    alert = got[0]
    assert PASSPHRASE not in json.dumps(alert.fields) + alert.text
    assert set(alert.fields) == {"ticker", "meta", "note", "action"}
    assert json.loads(alert.fields["meta"]) == {"level": [{}], "keep": 1}
    assert alert.fields["note"] == "the passphrase is ***"
    assert PASSPHRASE not in (fired[0].message or "")


async def test_a_text_body_with_the_passphrase_twice_keeps_neither(api: Api) -> None:
    got: list[WebhookAlert] = []
    api.bus.subscribe(topics.ALL_WEBHOOKS, got.append)
    raw = f"passphrase={PASSPHRASE}, ticker=AAPL, secret={PASSPHRASE}, note={PASSPHRASE}".encode()
    response = await api.http.post(URL, content=raw, headers={"Content-Type": "text/plain"})
    assert response.status_code == 200
    await until(lambda: len(got) == 1)
    assert PASSPHRASE not in json.dumps(got[0].fields) + got[0].text
    assert got[0].fields["note"] == "***"


async def test_an_empty_ticker_is_a_422_naming_the_field(api: Api) -> None:
    got: list[WebhookAlert] = []
    api.bus.subscribe(topics.ALL_WEBHOOKS, got.append)
    for key in ("ticker", "symbol"):
        for blank in ("", "   "):
            raw = json.dumps({"passphrase": PASSPHRASE, key: blank, "action": "buy"}).encode()
            response = await api.http.post(URL, content=raw, headers=JSON)
            assert response.status_code == 422
            assert response.json()["error"]["fields"][0]["field"] == key
    assert api.intake.pending == 0
    assert got == []


async def test_nan_and_infinity_are_no_price(api: Api) -> None:
    """TradingView writes them for a value it does not have: as strings or as bare JSON numbers."""
    got: list[WebhookAlert] = []
    api.bus.subscribe(topics.ALL_WEBHOOKS, got.append)
    strings = ["NaN", "Infinity", "-Infinity", "inf", "+INF", "nan", "1e999"]
    for price in strings:
        response = await api.http.post(URL, content=body(price=price), headers=JSON)
        assert response.status_code == 200, price
    for literal in (b"NaN", b"Infinity", b"-Infinity", b"1e999"):
        raw = b'{"passphrase": "' + PASSPHRASE.encode() + b'", "ticker": "MSFT", "price": ' + literal + b"}"
        response = await api.http.post(URL, content=raw, headers=JSON)
        assert response.status_code == 200, literal
    await until(lambda: len(got) == len(strings) + 4)
    assert [a.price for a in got] == [None] * len(got)


async def test_only_ascii_decimals_are_prices(api: Api) -> None:
    for price in ("١٢٣", "1_000", "0x10", "12,5", "١.٥", "１２３"):
        response = await api.http.post(URL, content=body(price=price), headers=JSON)
        assert response.status_code == 422
        assert response.json()["error"]["fields"] == [
            {"field": "price", "message": f"price {price!r} is not a number"}
        ]
    assert api.intake.pending == 0
    got: list[WebhookAlert] = []
    api.bus.subscribe(topics.ALL_WEBHOOKS, got.append)
    for price in ("189.5", "+1e2", ".5", " 7 "):
        response = await api.http.post(URL, content=body(price=price), headers=JSON)
        assert response.status_code == 200
    await until(lambda: len(got) == 4)
    assert [a.price for a in got] == [189.5, 100.0, 0.5, 7.0]
