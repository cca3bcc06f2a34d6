"""Massive forex quotes: the v1 last-quote payload, the adapter against the fake, its refusals and garbage.

The recorded payload is polygon-io/client-python's mock
``test_rest/mocks/v1/last_quote/currencies/AUD/USD.json``; the wire shape (``status`` ``success``,
``symbol`` ``AUD/USD``, ``last.timestamp`` in ms) is what the fake reproduces.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from freeride.adapters.massive import parse
from freeride.adapters.massive.client import DEFAULT_RETRY_S
from freeride.adapters.massive.config import MassiveConfig
from freeride.adapters.massive.data import MassiveData
from freeride.core.clock import ManualClock, datetime_to_ns
from freeride.core.errors import AuthError, RateLimited, TemporaryError
from freeride.core.instruments import AssetClass, parse_instrument
from freeride.net.errors import BadReply, NotEntitled
from freeride.ports.market_data import RequestKind
from freeride.testing.fakes.massive import FX_HALF_SPREAD, FakeMassive

NOW = datetime_to_ns(datetime(2024, 6, 4, tzinfo=UTC))
EURUSD = parse_instrument("EUR/USD")
AUDUSD = parse_instrument("AUD/USD")
LAST_QUOTE: dict[str, Any] = {  # test_rest/mocks/v1/last_quote/currencies/AUD/USD.json
    "last": {"ask": 0.69527, "bid": 0.6952, "exchange": 48, "timestamp": 1652193694000},
    "request_id": "54259e767db5057989cddbe33a2eaf1b",
    "status": "success",
    "symbol": "AUD/USD",
}


def make(fake: FakeMassive) -> MassiveData:
    config = MassiveConfig(SecretStr("ms-key"), base_url="http://ms.test")
    return MassiveData(config, ManualClock(NOW), httpx.ASGITransport(fake.app))


def test_recorded_payload_is_bid_ask_and_mid_at_the_quote_time() -> None:
    snap = parse.last_forex_quote(LAST_QUOTE, AUDUSD, NOW)
    assert (snap.symbol, snap.provider) == ("AUD/USD", "massive")
    assert (snap.bid, snap.ask) == (0.6952, 0.69527)
    assert snap.price == pytest.approx(0.695235)
    assert snap.ts_event == 1652193694000 * 1_000_000
    assert snap.ts_init == NOW
    assert parse.last_quote_path(AUDUSD) == "/v1/last_quote/currencies/AUD/USD"


def test_a_quote_stamped_after_receipt_is_clamped_to_receipt() -> None:
    """Vendor clocks drift; a quote can never be younger than the moment we received it."""
    early = datetime_to_ns(datetime(2022, 5, 10, tzinfo=UTC))
    assert parse.last_forex_quote(LAST_QUOTE, AUDUSD, early).ts_event == early


def _garbled(**last: object) -> dict[str, Any]:
    body = copy.deepcopy(LAST_QUOTE)
    body["last"].update(last)
    return body


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ({k: v for k, v in LAST_QUOTE.items() if k != "last"}, "no 'last' object"),
        ({**LAST_QUOTE, "last": {}}, "no 'last' object"),
        ({**LAST_QUOTE, "last": [0.69, 0.70]}, "no 'last' object"),
        ({**LAST_QUOTE, "symbol": "USD/AUD"}, "asked for AUD/USD but the reply is about USD/AUD"),
        ({k: v for k, v in LAST_QUOTE.items() if k != "symbol"}, "asked for AUD/USD"),
        (_garbled(bid="n/a"), "last.bid is 'n/a', not a number"),
        (_garbled(ask=None), "last.ask is None, not a number"),
        (_garbled(bid=0), "last.bid is 0.0, prices must be > 0"),
        (_garbled(ask=-0.69), "last.ask is -0.69, prices must be > 0"),
        (_garbled(bid=True), "last.bid is True, not a number"),
        (_garbled(bid=0.7, ask=0.69), "crossed, bid 0.7 > ask 0.69"),
        (_garbled(timestamp="soon"), "last.timestamp is 'soon', not a number"),
        (_garbled(timestamp=0), "last.timestamp is 0, not a time"),
    ],
)
def test_garbage_is_a_bad_reply_naming_the_problem(body: dict[str, Any], match: str) -> None:
    with pytest.raises(BadReply, match=match):
        parse.last_forex_quote(body, AUDUSD, NOW)


def test_a_locked_market_bid_equal_to_ask_is_a_quote() -> None:
    snap = parse.last_forex_quote(_garbled(bid=0.6952, ask=0.6952), AUDUSD, NOW)
    assert snap.bid == snap.ask == snap.price == 0.6952


def test_supports_says_forex_quotes_are_offered() -> None:
    ms = MassiveData(MassiveConfig(SecretStr("ms-key")), ManualClock(NOW))
    assert ms.supports(RequestKind.QUOTE, AssetClass.FOREX)
    assert ms.supports(RequestKind.QUOTE, AssetClass.STOCK)


async def test_eurusd_from_the_fake_is_bid_ask_mid_and_quote_time() -> None:
    fake = FakeMassive()
    ms = make(fake)
    snap = await ms.latest(EURUSD)
    mid = fake.price("EUR/USD")
    assert (snap.symbol, snap.provider) == ("EUR/USD", "massive")
    assert snap.bid == pytest.approx(mid - FX_HALF_SPREAD)
    assert snap.ask == pytest.approx(mid + FX_HALF_SPREAD)
    assert snap.price == pytest.approx(mid)
    assert snap.bid is not None
    assert snap.ask is not None
    assert snap.bid < snap.price < snap.ask
    assert snap.ts_event == datetime_to_ns(datetime(2024, 6, 3, 19, 59, tzinfo=UTC))
    assert snap.ts_init == NOW
    assert fake.calls["last_quote"] == 1
    assert fake.calls["last_trade"] == 0  # a pair is never asked for as a trade
    rate = await ms.fx_rate("EUR", "USD")
    assert (rate.symbol, rate.bid, rate.ask) == ("EUR/USD", snap.bid, snap.ask)
    assert fake.calls["last_quote"] == 2
    await ms.aclose()


@pytest.mark.parametrize(
    ("fault", "kind", "match"),
    [
        ("rate_limited", RateLimited, "HTTP 429: You've exceeded the maximum requests per minute"),
        ("bad_key", AuthError, "HTTP 401: Unknown API Key"),
        ("not_entitled", NotEntitled, "HTTP 403: You are not entitled to this data"),
        ("down", TemporaryError, "HTTP 502"),
        ("html", BadReply, "HTML page"),
        ("truncated", BadReply, "not valid JSON"),
        ("negative", BadReply, "last.bid is -[0-9.]+, prices must be > 0"),
        ("crossed", BadReply, "crossed, bid"),
        ("no_last", BadReply, "no 'last' object"),
        ("wrong_symbol", BadReply, "asked for EUR/USD but the reply is about USD/EUR"),
    ],
)
async def test_refusals_and_garbage_from_the_fake(fault: str, kind: type[Exception], match: str) -> None:
    fake = FakeMassive()
    fake.fail(fault)
    ms = make(fake)
    with pytest.raises(kind, match=match) as caught:
        await ms.latest(EURUSD)
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == DEFAULT_RETRY_S  # Massive sends no Retry-After
    assert fake.calls["last_quote"] == 1
    await ms.aclose()


async def test_a_free_key_is_refused_forex_quotes_as_not_entitled_but_still_gets_bars() -> None:
    """The refusal must be ``NotEntitled`` (not a plain ``NotAvailable``): that is what makes the
    gateway skip Massive for forex quotes for a while instead of asking on every request."""
    fake = FakeMassive(free_plan=True)
    ms = make(fake)
    with pytest.raises(NotEntitled, match="not entitled"):
        await ms.latest(EURUSD)
    bars = await ms.bars(EURUSD, "1d", datetime_to_ns(datetime(2024, 5, 27, tzinfo=UTC)), NOW)
    assert len(bars) == 6
    await ms.aclose()


async def test_a_bad_key_on_a_free_plan_is_still_an_auth_error() -> None:
    """The key is checked before the plan: a wrong key must not pass for a plan limit."""
    fake = FakeMassive(free_plan=True)
    config = MassiveConfig(SecretStr("wrong"), base_url="http://ms.test")
    ms = MassiveData(config, ManualClock(NOW), httpx.ASGITransport(fake.app))
    with pytest.raises(AuthError, match="Unknown API Key"):
        await ms.latest(EURUSD)
    await ms.aclose()
