"""Massive: recorded payload shapes, the fake over ASGI (paging, errors), the socket on loopback."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from freeride.adapters.massive import parse
from freeride.adapters.massive.config import MassiveConfig
from freeride.adapters.massive.data import MassiveData
from freeride.adapters.massive.stream import MassiveStream
from freeride.core.clock import ManualClock, datetime_to_ns
from freeride.core.errors import AuthError, NotAvailable, RateLimited, TemporaryError
from freeride.core.instruments import parse_instrument
from freeride.core.market import Quote, Trade
from freeride.net.errors import BadReply, NotEntitled
from freeride.testing.fakes.massive import FakeMassive
from freeride.testing.fakes.server import serve

NOW = datetime_to_ns(datetime(2024, 6, 4, tzinfo=UTC))
AAPL = parse_instrument("AAPL")
AGGS = {  # test_rest/mocks/v2/aggs/ticker/AAPL/range/1/day/2005-04-01/2005-04-04.json
    "ticker": "AAPL",
    "queryCount": 2,
    "resultsCount": 2,
    "adjusted": True,
    "results": [
        {
            "v": 642646396.0,
            "vw": 1.469,
            "o": 1.5032,
            "c": 1.4604,
            "h": 1.5064,
            "l": 1.4489,
            "t": 1112331600000,
            "n": 82132,
        },
        {
            "v": 578172308.0,
            "vw": 1.4474,
            "o": 1.4629,
            "c": 1.4389,
            "h": 1.4642,
            "l": 1.4257,
            "t": 1112590800000,
            "n": 65543,
        },
    ],
    "status": "OK",
    "request_id": "12afda77aab3b1936c5fb6ef4241ae42",
    "count": 2,
}
LAST = {  # mocks/v2/last/trade/AAPL.json
    "results": {
        "c": [12, 37],
        "i": "237688",
        "p": 166.25,
        "s": 2,
        "x": 4,
        "r": 202,
        "z": 3,
        "T": "AAPL",
        "t": 1651179319310617300,
        "y": 1651179319308000000,
        "f": 1651179319310588400,
        "q": 7084210,
    },
    "status": "OK",
    "request_id": "d4c3f1ea9a7a19bd3cb4b6f9e9af9a8c",
}


def test_recorded_payloads() -> None:
    bars = parse.aggregates(AGGS, AAPL, "1d", NOW)
    assert [(b.open, b.close, b.ts_event) for b in bars] == [
        (1.5032, 1.4604, 1112331600000 * 10**6),
        (1.4629, 1.4389, 1112590800000 * 10**6),
    ]
    snap = parse.last_trade(LAST, AAPL, NOW)
    assert (snap.price, snap.volume, snap.ts_event) == (166.25, 2.0, 1651179319310617300)
    with pytest.raises(BadReply, match="asked for C:EURUSD"):
        parse.aggregates(AGGS, parse_instrument("EUR/USD"), "1d", NOW)


def test_socket_messages() -> None:
    batch = parse.messages(
        '[{"ev":"status","status":"auth_success","message":"authenticated"},'
        '{"ev":"T","sym":"AAPL","x":4,"i":"1","z":3,"p":190.1,"s":100,"c":[12],"t":1717430400000,"q":1},'
        '{"ev":"Q","sym":"AAPL","bx":4,"bp":190.0,"bs":1,"ax":7,"ap":190.2,"as":3,"t":1717430400001}]'
    )
    status, trade, quote = batch
    assert isinstance(status, parse.StatusMsg)
    assert status.status == "auth_success"
    assert isinstance(trade, parse.TradeMsg)
    assert isinstance(quote, parse.QuoteMsg)
    t = parse.event(trade, "AAPL", NOW)
    q = parse.event(quote, "AAPL", NOW)
    assert isinstance(t, Trade)
    assert (t.price, t.size, t.trade_id) == (190.1, 100.0, "1")
    assert isinstance(q, Quote)
    assert (q.bid, q.ask, q.ask_size) == (190.0, 190.2, 3.0)
    crossed = parse.QuoteMsg(sym="AAPL", bp=2.0, ap=1.0, t=1)
    assert parse.event(crossed, "AAPL", NOW) is None


def make(fake: FakeMassive, key: str = "ms-key", pages: int = 20) -> MassiveData:
    config = MassiveConfig(SecretStr(key), base_url="http://ms.test", max_pages=pages)
    return MassiveData(config, ManualClock(NOW), httpx.ASGITransport(fake.app))


async def test_aggregates_follow_next_url_pages() -> None:
    fake = FakeMassive()
    ms = make(fake)
    start = datetime_to_ns(datetime(2024, 6, 3, 13, 0, tzinfo=UTC))
    bars = await ms.bars(AAPL, "1m", start, start + 300 * 60 * 10**9)
    assert len(bars) == 300
    assert fake.calls["aggs"] == 1
    fake.page_size = 120
    bars = await ms.bars(AAPL, "1m", start, start + 301 * 60 * 10**9)
    assert len(bars) == 301
    assert fake.calls["aggs"] == 4  # 120 a page: three pages through next_url
    assert bars == sorted(bars, key=lambda b: b.ts_event)
    daily = await ms.bars(parse_instrument("EUR/USD"), "1d", datetime_to_ns(datetime(2024, 5, 27)), NOW)
    assert len(daily) == 6
    snap = await ms.latest(AAPL)
    assert (snap.provider, snap.price) == ("massive", fake.price("AAPL"))
    await ms.aclose()


@pytest.mark.parametrize(
    ("fault", "kind", "match"),
    [
        ("rate_limited", RateLimited, "maximum requests per minute"),
        ("bad_key", AuthError, "Unknown API Key"),
        ("not_entitled", NotAvailable, "not entitled"),
        ("down", TemporaryError, "HTTP 502"),
        ("html", BadReply, "HTML page"),
        ("truncated", BadReply, "not valid JSON"),
        ("negative", BadReply, "prices must be > 0"),
        ("wrong_symbol", BadReply, "reply is about MSFT"),
    ],
)
async def test_faults(fault: str, kind: type[Exception], match: str) -> None:
    fake = FakeMassive()
    fake.fail(fault)
    with pytest.raises(kind, match=match):
        await make(fake).latest(AAPL)


async def test_a_plan_refusal_is_not_entitled_but_too_early_is_only_not_available() -> None:
    fake = FakeMassive()
    fake.fail("not_entitled")
    with pytest.raises(NotEntitled):
        await make(fake).latest(AAPL)
    fake.fail("too_early")
    with pytest.raises(NotAvailable, match="before end of day") as caught:
        await make(fake).latest(AAPL)
    assert not isinstance(caught.value, NotEntitled)


async def _next(events: object) -> object:
    return await asyncio.wait_for(events.__anext__(), 5)  # type: ignore[attr-defined]


async def test_stream_authenticates_then_subscribes() -> None:
    fake = FakeMassive()
    async with serve(fake.app) as host:
        stream = MassiveStream(
            MassiveConfig(SecretStr("ms-key"), ws_url=f"ws://{host}/stocks"), ManualClock(NOW)
        )
        await stream.subscribe([AAPL])
        events = stream.events()
        first = asyncio.ensure_future(_next(events))
        await fake.hub.wait_subscribed("AAPL")
        fake.trades("AAPL", [(190.1, 1717430400000, 100)])
        fake.quote("AAPL", 190.0, 190.2, 1717430400001)
        trade = await first
        quote = await _next(events)
        assert isinstance(trade, Trade)
        assert isinstance(quote, Quote)
        assert stream.statuses[:2] == ["connected", "auth_success"]
        assert fake.hub.received[:2] == [
            '{"action":"auth","params":"ms-key"}',
            '{"action":"subscribe","params":"T.AAPL,Q.AAPL"}',
        ]
        await events.aclose()
        bad = MassiveStream(MassiveConfig(SecretStr("nope"), ws_url=f"ws://{host}/stocks"), ManualClock(NOW))
        with pytest.raises(AuthError, match="refused the key"):
            await _next(bad.events())
