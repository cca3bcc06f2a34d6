"""The Robinhood broker: tokens in the secret store, refresh ahead of expiry with rotation, 401
recovery, idempotent ref_id orders, polled executions reported once."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from robinhood_setup import CONFIG, DEVICE, T0, auth, broker, store

from freeride.adapters.robinhood import Headless, RobinhoodBroker, TokenVault
from freeride.adapters.robinhood.parse import client_id_from, ref_id_for
from freeride.core.clock import ManualClock
from freeride.core.errors import AuthError, InvalidInput, UnknownOutcome
from freeride.core.orders import Fill, Order, OrderStatus, OrderType, Side, client_order_id
from freeride.ports.broker import BrokerUpdate
from freeride.testing.fakes.alpaca import LostReplyTransport
from freeride.testing.fakes.robinhood import FakeRobinhood
from freeride.testing.fakes.waiting import until

HOUR = 3_600


async def logged_in(tmp_path: Path, **fake_args: object) -> tuple[FakeRobinhood, ManualClock, TokenVault]:
    clock = ManualClock(T0)
    fake = FakeRobinhood(clock=clock, **fake_args)  # type: ignore[arg-type]
    vault = TokenVault(store(tmp_path))
    await vault.save(await auth(fake, clock).login(fake.username, fake.password, DEVICE, Headless()))
    return fake, clock, vault


def order(cid: str, qty: str = "2", limit: str = "100") -> Order:
    return Order(
        client_order_id=cid,
        strategy="s",
        symbol="AAPL",
        side=Side.BUY,
        quantity=Decimal(qty),
        order_type=OrderType.LIMIT,
        limit_price=Decimal(limit),
        status=OrderStatus.PENDING_NEW,
        ts_event=T0,
        ts_init=T0,
    )


def test_ref_ids_are_stable_and_carry_our_client_order_id() -> None:
    cid = client_order_id("sma", "sig-1")
    assert ref_id_for(cid) == ref_id_for(cid)
    assert client_id_from(ref_id_for(cid)) == cid
    assert client_id_from(ref_id_for("hand-made")) is None


async def test_tokens_refresh_ahead_of_expiry_and_rotate_through_the_store(tmp_path: Path) -> None:
    fake, clock, vault = await logged_in(tmp_path)
    first = await vault.load()
    assert first is not None
    rh = broker(fake, clock, store(tmp_path))
    await rh.connect()
    assert rh.daemon is not None
    await until(lambda: clock.sleepers == 1)
    clock.advance(23 * HOUR - 1)  # refresh is due an hour before expiry, not yet
    await until(lambda: True)
    assert fake.refreshes == 0
    clock.advance(1)
    await until(lambda: fake.refreshes == 1)
    await until(lambda: clock.sleepers == 1)
    stored = await vault.load()
    assert stored is not None
    assert stored.refresh_token != first.refresh_token
    assert stored.refresh_token in fake.refresh_tokens
    assert first.refresh_token in fake.spent_refresh
    secrets_file = json.loads((tmp_path / "secrets.json").read_text())
    assert set(secrets_file) == {"robinhood_tokens"}  # JSON in the store, no pickle anywhere
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0
    assert (await rh.session()).alive
    await rh.close()


async def test_a_revoked_access_token_is_refreshed_once_and_the_request_retried(tmp_path: Path) -> None:
    fake, clock, _vault = await logged_in(tmp_path)
    rh = broker(fake, clock, store(tmp_path))
    await rh.connect()
    fake.access.clear()  # expired or revoked server-side; the refresh token still works
    assert (await rh.account()).cash == Decimal(10_000)
    assert rh.client.refreshed_on_401 == 1
    assert fake.refreshes == 1
    await rh.close()


async def test_a_refused_refresh_reports_the_dead_session_at_once(tmp_path: Path) -> None:
    fake, clock, _ = await logged_in(tmp_path)
    rh = broker(fake, clock, store(tmp_path))
    lost: list[AuthError] = []

    async def on_lost(exc: AuthError) -> None:
        lost.append(exc)

    rh.on_session_lost(on_lost)
    await rh.connect()
    fake.revoke_all()  # a password change logs every session out
    with pytest.raises(AuthError, match="invalid_grant"):
        await rh.positions()
    assert len(lost) == 1
    with pytest.raises(AuthError):
        await rh.session()
    await rh.close()


async def test_no_stored_session_is_a_dead_session(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    rh = broker(FakeRobinhood(clock=clock), clock, store(tmp_path))
    await rh.connect()
    state = await rh.session()
    assert not state.alive
    assert "freeride broker login robinhood" in state.detail
    await rh.close()


async def test_ref_id_makes_a_lost_reply_resolvable_and_a_resend_harmless(tmp_path: Path) -> None:
    fake, clock, _ = await logged_in(tmp_path)
    rh = broker(fake, clock, store(tmp_path))
    await rh.connect()
    cid = client_order_id("s", "1")
    await rh.submit(order(client_order_id("s", "warm-up"), qty="1"))  # account and instrument looked up
    fake.fail("lose_reply")
    with pytest.raises(UnknownOutcome):
        await rh.submit(order(cid))
    fresh = broker(fake, clock, store(tmp_path))  # even another process finds it by its ref_id
    await fresh.connect()
    assert len(fake.orders) == 2
    found = await fresh.order_by_client_id(cid)
    assert found is not None
    assert found.status is OrderStatus.ACCEPTED
    assert found.client_order_id == cid
    again = await fresh.submit(order(cid))  # the same ref_id: the same order
    assert again.broker_order_id == found.broker_order_id
    assert len(fake.orders) == 2
    wire = fake.order_by_ref(ref_id_for(cid))
    assert wire is not None
    assert wire["type"] == "limit"
    assert wire["price"] == "100"
    await rh.close()
    await fresh.close()


async def test_polled_executions_are_reported_once_with_partial_fills(tmp_path: Path) -> None:
    fake, clock, _ = await logged_in(tmp_path)
    rh = broker(fake, clock, store(tmp_path))
    seen: list[BrokerUpdate] = []
    rh.on_update(seen.append)
    await rh.connect()
    cid = client_order_id("s", "1")
    await rh.submit(order(cid, qty="3"))
    fake.fill(ref_id_for(cid), "1", "99.5")
    await rh.poll_once()
    await rh.poll_once()  # nothing new: nothing reported
    fake.fill(ref_id_for(cid), "2", "99")
    await rh.poll_once()
    await rh.poll_once()  # closed: no longer polled
    orders = [u for u in seen if isinstance(u, Order)]
    fills = [u for u in seen if isinstance(u, Fill)]
    assert [o.status for o in orders] == [OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED]
    assert [(f.quantity, f.price) for f in fills] == [
        (Decimal(1), Decimal("99.5")),
        (Decimal(2), Decimal(99)),
    ]
    assert fake.calls["order"] == 3
    (position,) = await rh.positions()
    assert (position.symbol, position.quantity) == ("AAPL", Decimal(3))
    account = await rh.account()
    assert account.cash == Decimal("9702.5")
    assert account.equity == Decimal("9999.5")
    cancelled_after_fill = await rh.cancel(cid)
    assert cancelled_after_fill.status is OrderStatus.FILLED
    await rh.close()


async def test_open_orders_page_through_and_cancel(tmp_path: Path) -> None:
    fake, clock, _ = await logged_in(tmp_path)
    fake.page_size = 2
    rh = broker(fake, clock, store(tmp_path))
    await rh.connect()
    ids = [client_order_id("s", str(n)) for n in range(5)]
    for cid in ids:
        await rh.submit(order(cid, qty="1"))
    assert sorted(o.client_order_id for o in await rh.open_orders()) == sorted(ids)
    cancelled = await rh.cancel(ids[0])
    assert cancelled.status is OrderStatus.CANCELED
    assert len(await rh.open_orders()) == 4
    await rh.close()


async def test_a_session_check_from_outside_never_spends_the_refresh_token(tmp_path: Path) -> None:
    """``freeride doctor --online`` may run while an engine holds the single-use refresh token."""
    fake, clock, vault = await logged_in(tmp_path)
    stored = await vault.load()
    assert stored is not None
    rh = broker(fake, clock, store(tmp_path))
    clock.set_ns(stored.expires_at_ns - 60 * 1_000_000_000)  # well inside the refresh-ahead hour
    state = await rh.check_session()
    assert state.alive
    assert rh.daemon is None  # nothing started that could refresh later
    fake.revoke_all()
    with pytest.raises(AuthError, match="never refreshes"):
        await rh.check_session()
    clock.set_ns(stored.expires_at_ns + 1)
    expired = await rh.check_session()
    assert not expired.alive
    assert "expired" in expired.detail
    assert fake.refreshes == 0
    assert await vault.load() == stored
    await rh.close()


async def test_an_observer_reads_with_the_stored_session_and_never_refreshes(tmp_path: Path) -> None:
    """``freeride broker status`` beside a running engine: the engine owns the refresh token."""
    fake, clock, vault = await logged_in(tmp_path)
    stored = await vault.load()
    assert stored is not None
    observer = RobinhoodBroker(
        CONFIG, clock, vault, transport=LostReplyTransport(fake.app), poll=False, manage_tokens=False
    )
    clock.set_ns(stored.expires_at_ns - 60 * 1_000_000_000)  # due for a refresh: an engine would
    await observer.connect()
    assert (await observer.session()).alive
    clock.advance(3_600)
    fake.revoke_all()  # a 401: an engine would refresh here too
    with pytest.raises(AuthError, match="observer never refreshes"):
        await observer.session()
    assert fake.refreshes == 0
    assert await vault.load() == stored
    await observer.close()


def market(cid: str, side: Side, qty: str = "2", symbol: str = "AAPL") -> Order:
    return Order(
        client_order_id=cid,
        strategy="s",
        symbol=symbol,
        side=side,
        quantity=Decimal(qty),
        order_type=OrderType.MARKET,
        status=OrderStatus.PENDING_NEW,
        ts_event=T0,
        ts_init=T0,
    )


async def test_market_orders_go_out_as_robinhood_clients_send_them(tmp_path: Path) -> None:
    """A market buy is a limit at the ask with a 5 % collar; a sell stays market; both carry the
    bid and ask they were placed against (robin_stocks' ``order``)."""
    fake, clock, _vault = await logged_in(tmp_path)
    fake.quotes["AAPL"] = ("187.500000", "187.520000")
    rh = broker(fake, clock, store(tmp_path))
    await rh.connect()
    await rh.submit(market(client_order_id("s", "buy"), Side.BUY))
    await rh.submit(market(client_order_id("s", "sell"), Side.SELL))
    buy, sell = fake.order_bodies
    assert (buy["type"], buy["price"], buy["preset_percent_limit"]) == ("limit", "187.52", "0.05")
    assert (buy["ask_price"], buy["bid_price"]) == ("187.52", "187.50")
    assert buy["bid_ask_timestamp"]
    assert sell["type"] == "market"
    assert "price" not in sell
    assert "preset_percent_limit" not in sell
    assert (sell["ask_price"], sell["bid_price"]) == ("187.52", "187.50")
    await rh.close()


async def test_a_market_buy_of_an_unknown_symbol_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    fake, clock, _vault = await logged_in(tmp_path)
    rh = broker(fake, clock, store(tmp_path))
    await rh.connect()
    with pytest.raises(InvalidInput, match=r"no quote for BRK\.B"):
        await rh.submit(market(client_order_id("s", "x"), Side.BUY, symbol="BRK.B"))
    assert fake.order_bodies == []
    await rh.close()


def test_a_buy_stop_carries_its_stop_as_the_price() -> None:
    from freeride.adapters.robinhood.parse import order_request

    stop = Order(
        client_order_id="fr-000000000000000000000001",
        strategy="s",
        symbol="AAPL",
        side=Side.BUY,
        quantity=Decimal(1),
        order_type=OrderType.STOP,
        stop_price=Decimal("190"),
        status=OrderStatus.PENDING_NEW,
        ts_event=T0,
        ts_init=T0,
    )
    body = order_request(stop, "acct", "inst")
    assert (body["type"], body["trigger"], body["stop_price"], body["price"]) == (
        "market",
        "stop",
        "190",
        "190",
    )
    sell = order_request(msgspec.structs.replace(stop, side=Side.SELL), "acct", "inst")
    assert "price" not in sell
