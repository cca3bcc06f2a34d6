"""``POST /webhooks/tradingview``: JSON and text bodies, passphrase, size, duplicates, IP allow-list."""

from __future__ import annotations

import json

from api_rig import PASSPHRASE, Api

from freeride.alerts.intake import IntakeConfig, WebhookIntake
from freeride.bus import topics
from freeride.core.alerts import AlertKind, AlertRule, WebhookAlert
from freeride.testing.fakes.waiting import until

URL = "/webhooks/tradingview"


def tv_json(**extra: object) -> bytes:
    body = {"passphrase": PASSPHRASE, "ticker": "NASDAQ:AAPL", "action": "buy", "price": 189.5, **extra}
    return json.dumps(body).encode()


def inbound(api: Api) -> list[WebhookAlert]:
    got: list[WebhookAlert] = []
    api.bus.subscribe(topics.ALL_WEBHOOKS, got.append)
    return got


async def test_json_alert_is_acknowledged_then_processed_from_the_queue(api: Api) -> None:
    got = inbound(api)
    api.engine.upsert(AlertRule(id="tv", symbol="AAPL", kind=AlertKind.WEBHOOK, match="buy"))
    fired = []
    api.bus.subscribe(topics.ALL_ALERTS, fired.append)
    response = await api.http.post(URL, content=tv_json(), headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    await until(lambda: len(got) == 1)
    alert = got[0]
    assert (alert.symbol, alert.action, alert.price) == ("AAPL", "buy", 189.5)
    assert "passphrase" not in alert.fields
    assert PASSPHRASE not in alert.text
    assert [f.alert_id for f in fired] == ["tv"]


async def test_text_plain_body_with_key_values_and_forex(api: Api) -> None:
    got = inbound(api)
    body = f"ticker=FX:EURUSD, action=sell, close=1.0842, passphrase={PASSPHRASE}".encode()
    response = await api.http.post(URL, content=body, headers={"Content-Type": "text/plain; charset=utf-8"})
    assert response.status_code == 200
    await until(lambda: len(got) == 1)
    assert (got[0].symbol, got[0].action, got[0].price) == ("EUR/USD", "sell", 1.0842)
    assert PASSPHRASE not in got[0].text
    assert "passphrase=***" in got[0].text


async def test_duplicate_delivery_is_acknowledged_once_processed_once(api: Api) -> None:
    got = inbound(api)
    for _ in range(3):
        response = await api.http.post(URL, content=tv_json(), headers={"Content-Type": "application/json"})
        assert response.status_code == 200
    await until(lambda: api.intake.pending == 0)
    assert len(got) == 1
    assert api.intake.duplicates == 2
    api.clock.advance(301)  # outside the window the same body is a new alert
    await api.http.post(URL, content=tv_json(), headers={"Content-Type": "application/json"})
    await until(lambda: len(got) == 2)


async def test_wrong_or_missing_passphrase_is_401_and_changes_nothing(api: Api) -> None:
    got = inbound(api)
    wrong = await api.http.post(
        URL, content=tv_json(passphrase="guess"), headers={"Content-Type": "application/json"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "passphrase_wrong"
    missing = await api.http.post(
        URL, content=b'{"ticker": "AAPL"}', headers={"Content-Type": "application/json"}
    )
    assert (missing.status_code, missing.json()["error"]["code"]) == (401, "passphrase_missing")
    free_text = await api.http.post(URL, content=b"AAPL crossed 200", headers={"Content-Type": "text/plain"})
    assert free_text.status_code == 401
    # a rejected body is not remembered: the right passphrase later is not a "duplicate"
    ok = await api.http.post(URL, content=tv_json(), headers={"Content-Type": "application/json"})
    assert ok.json()["status"] == "accepted"
    await until(lambda: len(got) == 1)
    assert api.intake.accepted == 1


async def test_oversized_bodies_are_413_whether_declared_or_streamed(api: Api) -> None:
    big = tv_json(note="x" * 5_000)
    declared = await api.http.post(URL, content=big, headers={"Content-Type": "application/json"})
    assert (declared.status_code, declared.json()["error"]["code"]) == (413, "too_large")

    async def chunks():  # no Content-Length: read until the limit, then give up
        for _ in range(10):
            yield b"x" * 1_000

    streamed = await api.http.post(URL, content=chunks(), headers={"Content-Type": "text/plain"})
    assert streamed.status_code == 413
    assert api.intake.pending == 0
    assert api.intake.accepted == 0


async def test_malformed_bodies_get_a_precise_4xx(api: Api) -> None:
    broken = await api.http.post(
        URL, content=b'{"passphrase": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert "not valid JSON" in broken.json()["error"]["message"]
    array = await api.http.post(URL, content=b"[1, 2]", headers={"Content-Type": "application/json"})
    assert array.status_code == 400
    price = await api.http.post(
        URL, content=tv_json(price="cheap"), headers={"Content-Type": "application/json"}
    )
    assert price.status_code == 422
    assert price.json()["error"]["fields"] == [{"field": "price", "message": "price 'cheap' is not a number"}]
    nan = await api.http.post(URL, content=tv_json(price="NaN"), headers={"Content-Type": "application/json"})
    assert nan.status_code == 200  # a TradingView placeholder without a value: no price, not an error


async def test_ip_allow_list(api: Api) -> None:
    api.state.intake = WebhookIntake(
        IntakeConfig(passphrase=PASSPHRASE, allow_ips=("10.0.0.0/8",)), api.bus, api.clock
    )
    response = await api.http.post(URL, content=tv_json(), headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()["error"]["code"]) == (403, "ip_not_allowed")
    assert api.state.intake.pending == 0
    # the test client connects from 52.89.214.238, one of TradingView's addresses
    tradingview = ("52.89.214.238", "34.212.75.30")
    api.state.intake = WebhookIntake(
        IntakeConfig(passphrase=PASSPHRASE, allow_ips=tradingview), api.bus, api.clock
    )
    response = await api.http.post(URL, content=tv_json(), headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert api.state.intake.pending == 1
