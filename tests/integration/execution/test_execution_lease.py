"""One execution worker per account: the lease row, its fencing token, and writes it refuses.

On PostgreSQL the fence reads the lease row ``FOR SHARE`` inside the write's transaction, so a
takeover waits for a write in flight; here the order of events is driven by the test.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).parent))
from test_execution_sql import engine as engine

from freeride.core.errors import FencedOut
from freeride.core.orders import OrderIntent, Side, client_order_id, order_from_intent
from freeride.storage.execution import SqlExecutionStore
from freeride.storage.leases import LeaseRepository

S = 1_000_000_000
TTL = 10 * S


def order(n: int) -> object:
    intent = OrderIntent(
        client_order_id=client_order_id("s", str(n)), strategy="s", signal_id=str(n), symbol="AAPL",
        side=Side.BUY, quantity=Decimal(1), ts_event=n, ts_init=n,
    )  # fmt: skip
    return order_from_intent(intent, n)


@pytest.fixture
async def leases(engine: AsyncEngine) -> AsyncIterator[LeaseRepository]:
    return LeaseRepository(engine)


async def test_one_holder_at_a_time_and_a_takeover_raises_the_token(leases: LeaseRepository) -> None:
    first = await leases.acquire("acct", "worker-a", 0, TTL)
    assert first is not None
    assert first.token == 1
    assert await leases.acquire("acct", "worker-b", 5 * S, TTL) is None  # held and alive: standby
    assert await leases.renew(first, 8 * S, TTL)  # renewed: alive until 18 s
    assert await leases.acquire("acct", "worker-b", 17 * S, TTL) is None
    second = await leases.acquire("acct", "worker-b", 19 * S, TTL)  # a stopped renewer: taken over
    assert second is not None
    assert second.token == 2
    assert not await leases.renew(first, 20 * S, TTL)  # the former leader learns it lost
    assert await leases.holder("acct") == ("worker-b", 2)
    assert await leases.acquire("other", "worker-a", 0, TTL) is not None  # one lease per account


async def test_a_former_leaders_order_write_is_refused_by_the_fence(
    engine: AsyncEngine, leases: LeaseRepository
) -> None:
    first = await leases.acquire("acct", "worker-a", 0, TTL)
    assert first is not None
    old = SqlExecutionStore(engine, 0, fence=first)
    assert await old.add_orders("live-paper-acct", [order(1)]) == {client_order_id("s", "1")}  # type: ignore[list-item]
    second = await leases.acquire("acct", "worker-b", 11 * S, TTL)  # the first stalled past its lease
    assert second is not None
    with pytest.raises(FencedOut, match="lease of account 'acct' lost: held by worker-b with token 2"):
        await old.add_orders("live-paper-acct", [order(2)])  # type: ignore[list-item]
    with pytest.raises(FencedOut):
        await old.save_orders("live-paper-acct", [order(1)])  # type: ignore[list-item]
    new = SqlExecutionStore(engine, 0, fence=second)
    assert await new.add_orders("live-paper-acct", [order(3)]) == {client_order_id("s", "3")}  # type: ignore[list-item]
    stored = await new.open_orders("live-paper-acct")
    assert sorted(o.client_order_id for o in stored) == sorted(client_order_id("s", n) for n in ("1", "3"))


async def test_a_clean_stop_releases_the_lease_for_the_standby_at_once(leases: LeaseRepository) -> None:
    first = await leases.acquire("acct", "worker-a", 0, TTL)
    assert first is not None
    await leases.release(first)
    second = await leases.acquire("acct", "worker-b", 1, TTL)
    assert second is not None
    assert second.token == 2
