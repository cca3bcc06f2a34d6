"""The Alpaca broker against the fake Alpaca, through httpx's ASGI transport (no network)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import SecretStr

from freeride.adapters.alpaca import AlpacaBroker, AlpacaConfig
from freeride.adapters.alpaca.parse import iso_ns
from freeride.core.clock import ManualClock
from freeride.core.errors import AuthError, InvalidInput, RateLimited, TemporaryError, UnknownOutcome
from freeride.core.orders import Order, OrderStatus, OrderType, Side
from freeride.ports.broker import Amendment, DuplicateOrder
from freeride.testing.fakes.alpaca import FakeAlpaca, LostReplyTransport

T0 = 1_717_430_400_000_000_000


def setup(**fake_args: str) -> tuple[FakeAlpaca, AlpacaBroker]:
    clock = ManualClock(T0)
    fake = FakeAlpaca(clock=clock, **fake_args)
    config = AlpacaConfig(
        key_id=SecretStr("PKTEST"), secret_key=SecretStr("alpaca-secret"), base_url="http://alpaca"
    )
    return fake, AlpacaBroker(config, clock, LostReplyTransport(fake.app), stream=False)


def order(cid: str = "fr-1", qty: str = "2", limit: str | None = "100", side: Side = Side.BUY) -> Order:
    return Order(
        client_order_id=cid,
        strategy="s",
        symbol="AAPL",
        side=side,
        quantity=Decimal(qty),
        order_type=OrderType.LIMIT if limit else OrderType.MARKET,
        limit_price=Decimal(limit) if limit else None,
        status=OrderStatus.PENDING_NEW,
        ts_event=T0,
        ts_init=T0,
    )


async def test_submit_lookup_and_the_wire_shape() -> None:
    fake, broker = setup()
    ack = await broker.submit(order())
    assert ack.status is OrderStatus.ACCEPTED
    assert ack.client_order_id == "fr-1"
    assert ack.broker_order_id
    assert (ack.quantity, ack.limit_price, ack.symbol) == (Decimal(2), Decimal(100), "AAPL")
    wire = fake.order_by_client("fr-1")
    assert wire is not None
    assert (wire["qty"], wire["limit_price"], wire["type"]) == ("2", "100", "limit")
    found = await broker.order_by_client_id("fr-1")
    assert found is not None
    assert found.broker_order_id == ack.broker_order_id
    assert await broker.order_by_client_id("fr-nope") is None
    assert await broker.order_by_broker_id("no-such-id") is None
    assert [o.client_order_id for o in await broker.open_orders()] == ["fr-1"]
    await broker.close()


async def test_duplicate_client_order_id_is_refused_even_after_cancel() -> None:
    fake, broker = setup()
    await broker.submit(order())
    with pytest.raises(DuplicateOrder, match="client_order_id must be unique") as caught:
        await broker.submit(order())
    assert caught.value.client_order_id == "fr-1"
    canceled = await broker.cancel("fr-1")
    assert canceled.status is OrderStatus.CANCELED
    with pytest.raises(DuplicateOrder):
        await broker.submit(order())
    assert len(fake.orders) == 1
    await broker.close()


async def test_errors_are_translated_by_what_they_mean() -> None:
    fake, broker = setup(cash="100")
    with pytest.raises(InvalidInput, match="insufficient buying power"):
        await broker.submit(order(qty="5"))
    fake.fail("rate_limited")
    with pytest.raises(RateLimited) as limited:
        await broker.submit(order("fr-2", qty="0.5"))
    assert limited.value.retry_after == 2.0
    fake.fail("down")
    with pytest.raises(UnknownOutcome) as unknown:  # a 5xx on submit: the order may exist
        await broker.submit(order("fr-3", qty="0.5"))
    assert unknown.value.client_order_id == "fr-3"
    fake.fail("down")
    with pytest.raises(TemporaryError):  # a 5xx on a read changes nothing
        await broker.positions()
    fake.fail("bad_key")
    with pytest.raises(AuthError, match="not authorized"):
        await broker.account()
    with pytest.raises(InvalidInput, match="qty"):
        await broker.submit(order("fr-4", qty="-1"))
    await broker.close()


async def test_a_lost_reply_is_an_unknown_outcome_and_the_order_exists() -> None:
    fake, broker = setup()
    fake.fail("lose_reply")
    with pytest.raises(UnknownOutcome):
        await broker.submit(order())
    assert fake.lost_replies == 1
    found = await broker.order_by_client_id("fr-1")
    assert found is not None
    assert found.status is OrderStatus.ACCEPTED
    await broker.close()


async def test_fills_positions_account_and_replace() -> None:
    fake, broker = setup()
    await broker.submit(order(qty="3"))
    fake.fill("fr-1", "1", "99.5")
    partial = await broker.order_by_client_id("fr-1")
    assert partial is not None
    assert partial.status is OrderStatus.PARTIALLY_FILLED
    assert (partial.filled_quantity, partial.avg_fill_price) == (Decimal(1), Decimal("99.5"))
    new = await broker.replace("fr-1", "fr-1b", Amendment(limit_price=Decimal("101")))
    assert (new.client_order_id, new.limit_price, new.status) == ("fr-1b", Decimal(101), OrderStatus.ACCEPTED)
    old = await broker.order_by_client_id("fr-1")
    assert old is not None
    assert old.status is OrderStatus.CANCELED
    assert old.reason == "replaced"
    (position,) = await broker.positions()
    assert (position.symbol, position.quantity) == ("AAPL", Decimal(1))
    account = await broker.account()
    assert account.cash == Decimal("99900.5")
    assert account.buying_power > 0
    assert (await broker.session()).alive
    fake.account_status = "ACCOUNT_CLOSED"
    assert not (await broker.session()).alive
    await broker.close()


def test_timestamps_keep_nanoseconds() -> None:
    assert iso_ns("2024-06-03T16:00:00Z") == T0
    assert iso_ns("2024-06-03T16:00:00.123456789Z") == T0 + 123_456_789
    assert iso_ns("2024-06-03T12:00:00.5-04:00") == T0 + 500_000_000
