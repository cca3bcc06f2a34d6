"""Fills missed while Alpaca's trade stream was down, read back from the account activities.

The broker runs against the fake Alpaca on a loopback port (the stream is a real WebSocket that
the fake drops); every wait is on the ``ManualClock`` or a bounded ``until``, nothing sleeps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs

from freeride.adapters.alpaca import AlpacaBroker, AlpacaConfig, parse
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.orders import Fill, Order, OrderStatus, OrderType, Side
from freeride.net.errors import BadReply
from freeride.ports.broker import BrokerUpdate
from freeride.testing.fakes.alpaca import FakeAlpaca
from freeride.testing.fakes.server import serve
from freeride.testing.fakes.waiting import until

T0 = 1_717_430_400_000_000_000  # 2024-06-03T16:00:00Z
RECONNECT_S = 10.0
CID = "fr-catchup-1"


@dataclass
class Rig:
    fake: FakeAlpaca
    broker: AlpacaBroker
    clock: ManualClock
    updates: list[BrokerUpdate]
    dropped_at: int = 0

    @property
    def fills(self) -> list[Fill]:
        return [u for u in self.updates if isinstance(u, Fill)]

    async def submit(self, qty: str) -> Order:
        return await self.broker.submit(
            Order(
                client_order_id=CID,
                strategy="s",
                symbol="AAPL",
                side=Side.BUY,
                quantity=Decimal(qty),
                order_type=OrderType.LIMIT,
                limit_price=Decimal(100),
                status=OrderStatus.PENDING_NEW,
                ts_event=T0,
                ts_init=T0,
            )
        )

    async def drop(self) -> None:
        """Close the socket from the server side and wait until the broker sits in its pause."""
        stream = self.broker.stream
        assert stream is not None
        drops = stream.drops
        self.dropped_at = self.clock.now_ns()
        self.fake.drop_stream()
        await until(lambda: stream.drops == drops + 1)
        await until(lambda: self.clock.sleepers >= 1)

    async def reconnect(self, fills: int) -> None:
        """End the reconnect pause and wait for the catch-up to report ``fills`` fills in all."""
        self.clock.set_ns(max(self.clock.now_ns(), self.dropped_at + round(RECONNECT_S * NS_PER_SECOND)))
        await until(lambda: len(self.fills) >= fills)
        await until(lambda: self.fake.stream_connects == 2)


async def make_rig(page_size: int = 100) -> AsyncIterator[Rig]:
    clock = ManualClock(T0)
    fake = FakeAlpaca(clock=clock)
    async with serve(fake.app) as host:
        config = AlpacaConfig(
            key_id=SecretStr("PKTEST"),
            secret_key=SecretStr("alpaca-secret"),
            base_url=f"http://{host}",
            stream_url=f"ws://{host}/stream",
            reconnect_base_s=RECONNECT_S,
            activities_page_size=page_size,
        )
        broker = AlpacaBroker(config, clock)
        updates: list[BrokerUpdate] = []
        broker.on_update(updates.append)
        await broker.connect()
        await fake.wait_listening()
        yield Rig(fake, broker, clock, updates)
        await broker.close()


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async for made in make_rig():
        yield made


@pytest.fixture
async def small_pages() -> AsyncIterator[Rig]:
    async for made in make_rig(page_size=2):
        yield made


async def test_two_partial_fills_while_down_come_back_as_two_fills(rig: Rig) -> None:
    await rig.submit("5")
    await rig.drop()
    rig.clock.advance(1)
    rig.fake.fill(CID, "2", "99.2")
    rig.clock.advance(1)
    rig.fake.fill(CID, "1", "98.9")
    assert len(rig.fake.lost_updates) == 2  # Alpaca never replays these on the stream

    await rig.reconnect(fills=2)
    first, second = rig.fills
    assert (first.quantity, first.price, first.ts_event) == (Decimal(2), Decimal("99.2"), T0 + NS_PER_SECOND)
    assert (second.quantity, second.price, second.ts_event) == (
        Decimal(1),
        Decimal("98.9"),
        T0 + 2 * NS_PER_SECOND,
    )
    assert [f.fill_id for f in rig.fills] == [a["id"] for a in rig.fake.activities]
    assert {f.client_order_id for f in rig.fills} == {CID}
    assert rig.broker.aggregated_fills == 0
    (query,) = rig.fake.activity_requests[:1]
    assert (query["direction"], query["after"]) == ("asc", "2024-06-03T15:59:59Z")  # since submission


async def test_a_fill_seen_on_the_stream_before_the_drop_is_not_booked_again(rig: Rig) -> None:
    await rig.submit("5")
    rig.fake.fill(CID, "2", "99.5")
    await until(lambda: len(rig.fills) == 1)
    seen = rig.fills[0]
    await rig.drop()
    rig.clock.advance(1)
    rig.fake.fill(CID, "3", "99")

    await rig.reconnect(fills=2)
    assert len(rig.fills) == 2
    missed = rig.fills[1]
    assert (missed.quantity, missed.price) == (Decimal(3), Decimal(99))
    assert missed.fill_id == rig.fake.activities[1]["id"]
    # the activity read back covers the stream's fill too; it is recognised by its cum_qty
    assert rig.fake.activities[0]["id"] not in {f.fill_id for f in rig.fills}
    assert seen.fill_id != rig.fake.activities[0]["id"]
    assert sum(f.quantity for f in rig.fills) == Decimal(5)

    # the lost frame turning up late on the new socket is a fill the catch-up already reported
    rig.fake.push(rig.fake.lost_updates[-1])
    await until(lambda: rig.broker.covered_stream_fills == 1)
    assert len(rig.fills) == 2


async def test_activities_failing_fall_back_to_one_aggregated_fill_with_a_warning(rig: Rig) -> None:
    await rig.submit("5")
    rig.fake.fill(CID, "2", "99.5")
    await until(lambda: len(rig.fills) == 1)
    await rig.drop()
    rig.fake.fill(CID, "2", "99")
    rig.fake.fill(CID, "1", "96")
    rig.fake.fail_activities("down")

    with capture_logs() as logs:
        await rig.reconnect(fills=2)
    assert len(rig.fills) == 2
    gap = rig.fills[1]
    assert gap.fill_id.endswith(":gap:5")
    assert gap.quantity == Decimal(3)  # nothing lost, only the detail
    assert gap.price == Decimal(98)  # (5 × 98.6 − 2 × 99.5) / 3: the average comes out right
    assert rig.broker.aggregated_fills == 1
    (warning,) = [e for e in logs if e["event"] == "alpaca_fill_aggregated"]
    assert warning["log_level"] == "warning"
    assert warning["quantity"] == "3"
    assert "TemporaryError" in warning["reason"]
    assert "one fill at the average price" in warning["detail"]


async def test_activities_lagging_behind_the_order_aggregate_only_the_rest(rig: Rig) -> None:
    await rig.submit("5")
    await rig.drop()
    rig.fake.fill(CID, "2", "99.2")
    rig.clock.advance(1)
    rig.fake.fill(CID, "3", "98")
    del rig.fake.activities[-1]  # not in the activities yet

    with capture_logs() as logs:
        await rig.reconnect(fills=2)
    own, rest = rig.fills
    assert own.fill_id == rig.fake.activities[0]["id"]
    assert (own.quantity, own.price) == (Decimal(2), Decimal("99.2"))
    assert (rest.quantity, rest.price, rest.fill_id.endswith(":gap:5")) == (Decimal(3), Decimal(98), True)
    assert [e["reason"] for e in logs if e["event"] == "alpaca_fill_aggregated"] == [
        "the account activities do not account for all of it yet"
    ]


async def test_missed_fills_are_read_across_pages(small_pages: Rig) -> None:
    rig = small_pages
    await rig.submit("6")
    await rig.drop()
    prices = ["99.1", "99.2", "99.3", "99.4", "99.5"]
    for price in prices:
        rig.clock.advance(1)
        rig.fake.fill(CID, "1", price)

    await rig.reconnect(fills=5)
    assert [f.price for f in rig.fills] == [Decimal(p) for p in prices]
    assert [f.ts_event for f in rig.fills] == [T0 + k * NS_PER_SECOND for k in range(1, 6)]
    ids = sorted(a["id"] for a in rig.fake.activities)
    requests = rig.fake.activity_requests
    # pages of 2, 2 and 1, then the empty page that ends it
    assert [r.get("page_token") for r in requests] == [None, ids[1], ids[3], ids[4]]
    assert {r["page_size"] for r in requests} == {"2"}
    assert rig.broker.aggregated_fills == 0


async def test_fills_after_the_order_was_read_are_left_to_the_stream(rig: Rig) -> None:
    await rig.submit("5")
    await rig.drop()
    rig.fake.fill(CID, "2", "99")
    # an execution the activities already list but the order read did not count yet
    late = dict(rig.fake.activities[0], id="29990101000000000::late", cum_qty="4", qty="2", price="97")
    rig.fake.activities.append(late)

    await rig.reconnect(fills=1)
    assert [(f.quantity, f.price) for f in rig.fills] == [(Decimal(2), Decimal(99))]
    assert "29990101000000000::late" not in {f.fill_id for f in rig.fills}


# -- the fake's endpoint and the parser, on the wire shapes --------------------------------------


async def test_the_fake_activities_endpoint_refuses_bad_params_like_alpaca() -> None:
    fake = FakeAlpaca(clock=ManualClock(T0))
    headers = {"APCA-API-KEY-ID": "PKTEST", "APCA-API-SECRET-KEY": "alpaca-secret"}
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://a", headers=headers) as http:
        bad = {
            "/v2/account/activities/FFFFF": "invalid activity type: FFFFF",
            "/v2/account/activities/FILL?direction=up": "invalid direction: up",
            "/v2/account/activities/FILL?page_size=101": "page_size must be between 1 and 100",
            "/v2/account/activities/FILL?after=yesterday": "invalid after: yesterday",
            "/v2/account/activities/FILL?date=2024-06-03&after=2024-06-02": "date cannot be used",
        }
        for path, message in bad.items():
            reply = await http.get(path)
            assert reply.status_code == 422, path
            body = reply.json()
            assert body["code"] == 40010001
            assert body["message"].startswith(message)
        ok = await http.get("/v2/account/activities/FILL", params={"after": "2024-06-03T15:59:59Z"})
        assert (ok.status_code, ok.json()) == (200, [])


async def test_the_fake_pages_newest_first_by_default() -> None:
    clock = ManualClock(T0)
    fake = FakeAlpaca(clock=clock)
    headers = {"APCA-API-KEY-ID": "PKTEST", "APCA-API-SECRET-KEY": "alpaca-secret"}
    transport = httpx.ASGITransport(app=fake.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://a", headers=headers) as http:
        body = {"symbol": "AAPL", "qty": "3", "side": "buy", "type": "limit", "time_in_force": "day"}
        created = await http.post("/v2/orders", json={**body, "limit_price": "100", "client_order_id": CID})
        assert created.status_code == 200
        for price in ("99", "98", "97"):
            clock.advance(1)
            fake.fill(CID, "1", price)
        first = (await http.get("/v2/account/activities/FILL", params={"page_size": "2"})).json()
        assert [a["price"] for a in first] == ["97", "98"]
        rest = await http.get("/v2/account/activities/FILL", params={"page_token": first[-1]["id"]})
        assert [a["price"] for a in rest.json()] == ["99"]
        assert [a["cum_qty"] for a in reversed(first)] == ["2", "3"]
        assert [a["type"] for a in first] == ["fill", "partial_fill"]
        # ids are New York time (EDT in June) then a UUID: 16:00:03Z → 12:00:03.000
        assert first[0]["id"].startswith("20240603120003000::")


def test_a_recorded_trade_activity_parses() -> None:
    # the sample object of alpacahq/alpaca-docs content/api-references/accounts/account-activities.md
    recorded = {
        "id": "20210510100104650::88b5f678-fef5-447b-af15-f21e367e6d8c",
        "account_id": "c8f1ef5d-edc0-4f23-9ee4-378f19cb92a4",
        "activity_type": "FILL",
        "transaction_time": "2021-05-10T14:01:04.650275Z",
        "type": "fill",
        "price": "128.33",
        "qty": "0.38962051",
        "side": "buy",
        "symbol": "AAPL",
        "leaves_qty": "0",
        "order_id": "fe060a1b-5b45-4eba-ba46-c3a3345d8255",
        "cum_qty": "0.38962051",
        "order_status": "filled",
    }
    activity = parse.fill_activity(recorded)
    assert activity is not None
    assert activity.activity_id == recorded["id"]
    assert (activity.quantity, activity.price, activity.cum_quantity) == (
        Decimal("0.38962051"),
        Decimal("128.33"),
        Decimal("0.38962051"),
    )
    assert activity.ts_event == parse.iso_ns("2021-05-10T14:01:04.650275Z")
    assert activity.side is Side.BUY
    assert parse.fill_activity({**recorded, "side": "sell_short"}).side is Side.SELL  # type: ignore[union-attr]
    assert parse.fill_activity({"id": "x", "activity_type": "DIV"}) is None
    with pytest.raises(BadReply, match="lacks"):
        parse.fill_activity({**recorded, "cum_qty": None})
    assert parse.iso_seconds(T0 + 999_999_999) == "2024-06-03T16:00:00Z"


async def test_an_order_that_cannot_be_read_after_a_reconnect_is_logged_and_read_next_time(rig: Rig) -> None:
    await rig.submit("5")
    await rig.drop()
    rig.fake.fill(CID, "2", "99")
    rig.fake.fail("down")  # the catch-up's read of the open order answers 500

    with capture_logs() as logs:
        rig.clock.set_ns(rig.dropped_at + round(RECONNECT_S * NS_PER_SECOND))
        await until(lambda: rig.fake.stream_connects == 2)
        await until(lambda: any(e["event"] == "alpaca_catchup_read_failed" for e in logs))
    (warning,) = [e for e in logs if e["event"] == "alpaca_catchup_read_failed"]
    assert warning["log_level"] == "warning"
    assert warning["order"] == rig.fake.by_client[CID]
    assert "TemporaryError" in warning["error"]
    assert rig.fills == []  # nothing invented

    await rig.drop()  # the next reconnect reads it again and books what it missed
    rig.clock.set_ns(rig.dropped_at + round(RECONNECT_S * NS_PER_SECOND))
    await until(lambda: len(rig.fills) == 1)
    assert rig.fills[0].quantity == Decimal(2)
