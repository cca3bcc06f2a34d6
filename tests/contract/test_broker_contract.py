"""The ``Broker`` contract: paper, Alpaca and Robinhood answer the order manager the same way.

The order manager relies on each of these: the client order id is the idempotency key, lookups by
either id, a cancel that says what became of the order, ``Decimal`` money, and one rule for a
failure whose outcome is unknown (``net.broker_http``): a state-changing request that got no
answer, or a 5xx, is ``UnknownOutcome``; a read that fails is a ``TemporaryError``; a request that
never left is a ``TemporaryError``, whatever its method.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from broker_subjects import FACTORIES, T0, BrokerSubject, Sabotage

from freeride.core.clock import ManualClock
from freeride.core.errors import InvalidInput, RateLimited, TemporaryError, UnknownOutcome
from freeride.core.orders import Order, OrderStatus, OrderType, Side
from freeride.ports.broker import BrokerAccount, DuplicateOrder


@pytest.fixture(params=list(FACTORIES))
async def subject(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BrokerSubject]:
    made = await FACTORIES[request.param](ManualClock(T0), tmp_path)
    yield made
    await made.broker.close()


@pytest.fixture(params=[name for name in FACTORIES if name != "paper"])
async def wired(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BrokerSubject]:
    """The brokers behind a network, whose wire a test can break."""
    made = await FACTORIES[request.param](ManualClock(T0), tmp_path)
    assert made.wire is not None
    yield made
    await made.broker.close()


def resting(cid: str = "fr-contract-1", qty: str = "3") -> Order:
    """A buy limit far under the market: accepted, and it rests."""
    return Order(
        client_order_id=cid,
        strategy="s",
        symbol="AAPL",
        side=Side.BUY,
        quantity=Decimal(qty),
        order_type=OrderType.LIMIT,
        limit_price=Decimal("100.00"),
        status=OrderStatus.PENDING_NEW,
        ts_event=T0,
        ts_init=T0,
    )


async def test_submit_acknowledges_under_our_client_id_with_the_brokers_id(subject: BrokerSubject) -> None:
    ack = await subject.broker.submit(resting())
    assert ack.client_order_id == "fr-contract-1"
    assert ack.broker_order_id
    assert ack.status.is_open
    assert (ack.symbol, ack.side, ack.quantity, ack.limit_price) == ("AAPL", Side.BUY, 3, Decimal("100.00"))
    assert isinstance(ack.quantity, Decimal)


async def test_an_order_is_found_by_either_id_and_an_unknown_id_is_none(subject: BrokerSubject) -> None:
    ack = await subject.broker.submit(resting())
    by_client = await subject.broker.order_by_client_id("fr-contract-1")
    assert by_client is not None
    assert by_client.broker_order_id == ack.broker_order_id
    by_broker = await subject.broker.order_by_broker_id(str(ack.broker_order_id))
    assert by_broker is not None
    assert by_broker.client_order_id == "fr-contract-1"
    assert await subject.broker.order_by_client_id("fr-never-sent") is None
    assert [o.client_order_id for o in await subject.broker.open_orders()] == ["fr-contract-1"]


async def test_the_same_client_id_twice_is_one_order(subject: BrokerSubject) -> None:
    first = await subject.broker.submit(resting())
    refused: DuplicateOrder | None = None
    try:
        again = await subject.broker.submit(resting())
    except DuplicateOrder as exc:  # the broker refuses the id: it already has the order
        refused = exc
    if refused is not None:
        assert refused.client_order_id == "fr-contract-1"
    else:  # or it answers with the order it has
        assert again.broker_order_id == first.broker_order_id
    assert subject.broker_orders() == 1
    assert len(await subject.broker.open_orders()) == 1


async def test_cancel_says_what_became_of_the_order(subject: BrokerSubject) -> None:
    await subject.broker.submit(resting())
    cancelled = await subject.broker.cancel("fr-contract-1")
    assert cancelled.client_order_id == "fr-contract-1"
    assert cancelled.status is OrderStatus.CANCELED
    assert await subject.broker.open_orders() == []
    with pytest.raises(InvalidInput):
        await subject.broker.cancel("fr-never-sent")


async def test_session_account_and_positions_in_decimal(subject: BrokerSubject) -> None:
    assert (await subject.broker.session()).alive
    account = await subject.broker.account()
    assert isinstance(account, BrokerAccount)
    assert isinstance(account.cash, Decimal)
    assert isinstance(account.equity, Decimal)
    assert account.cash > 0
    assert all(isinstance(p.quantity, Decimal) for p in await subject.broker.positions())


# -- one rule for failures (net.broker_http) -------------------------------------------------------
async def test_a_submit_whose_answer_is_lost_is_an_unknown_outcome_and_the_order_exists(
    wired: BrokerSubject,
) -> None:
    assert wired.wire is not None
    wired.wire.plans.append(Sabotage("POST", wired.orders_path, lose_reply=True))
    with pytest.raises(UnknownOutcome) as caught:
        await wired.broker.submit(resting())
    assert caught.value.client_order_id == "fr-contract-1"
    found = await wired.broker.order_by_client_id("fr-contract-1")  # what the manager does next
    assert found is not None
    assert found.status.is_open


async def test_a_cancel_whose_answer_is_lost_is_an_unknown_outcome(wired: BrokerSubject) -> None:
    assert wired.wire is not None
    await wired.broker.submit(resting())
    method, path = wired.cancel
    wired.wire.plans.append(Sabotage(method, path, lose_reply=True))
    with pytest.raises(UnknownOutcome):
        await wired.broker.cancel("fr-contract-1")
    assert wired.wire.acted  # the cancel itself was hit, not a read before it


async def test_a_5xx_on_submit_is_an_unknown_outcome(wired: BrokerSubject) -> None:
    assert wired.wire is not None
    wired.wire.plans.append(Sabotage("POST", wired.orders_path, status=502))
    with pytest.raises(UnknownOutcome):
        await wired.broker.submit(resting())


async def test_a_read_that_fails_is_temporary_never_unknown(wired: BrokerSubject) -> None:
    assert wired.wire is not None
    for sabotage in (Sabotage("GET", "", lose_reply=True), Sabotage("GET", "", status=503)):
        wired.wire.plans.append(sabotage)
        with pytest.raises(TemporaryError) as caught:
            await wired.broker.open_orders()
        assert not isinstance(caught.value, UnknownOutcome)


async def test_a_request_that_never_left_is_temporary_whatever_its_method(wired: BrokerSubject) -> None:
    assert wired.wire is not None
    wired.wire.plans.append(Sabotage("POST", wired.orders_path, refuse=True))
    with pytest.raises(TemporaryError) as caught:
        await wired.broker.submit(resting())
    assert not isinstance(caught.value, UnknownOutcome)
    assert wired.broker_orders() == 0


async def test_429_is_rate_limited_with_the_wait(wired: BrokerSubject) -> None:
    assert wired.wire is not None
    wired.wire.plans.append(Sabotage("GET", "", status=429))
    with pytest.raises(RateLimited):
        await wired.broker.open_orders()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_every_state_changing_method_left_unanswered_is_an_unknown_outcome(
    wired: BrokerSubject, method: str
) -> None:
    """The rule is the method's, not the endpoint's: whatever a broker may change, it may have."""
    assert wired.wire is not None
    assert wired.request is not None
    wired.wire.plans.append(Sabotage(method, "/", unanswered=True))
    with pytest.raises(UnknownOutcome) as caught:
        await wired.request(method, wired.orders_path, client_order_id="fr-contract-1")
    assert caught.value.client_order_id == "fr-contract-1"
    wired.wire.plans.append(Sabotage(method, "/", status=503))
    with pytest.raises(UnknownOutcome):
        await wired.request(method, wired.orders_path, client_order_id="fr-contract-1")


async def test_a_read_left_unanswered_is_temporary(wired: BrokerSubject) -> None:
    assert wired.wire is not None
    assert wired.request is not None
    wired.wire.plans.append(Sabotage("GET", "/", unanswered=True))
    with pytest.raises(TemporaryError) as caught:
        await wired.request("GET", wired.orders_path)
    assert not isinstance(caught.value, UnknownOutcome)
