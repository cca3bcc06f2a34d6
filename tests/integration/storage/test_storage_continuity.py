"""A paper ledger moved aside for a fresh account keeps every row; all fills come back in order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.core.errors import InvalidInput
from freeride.core.orders import Fill, Side
from freeride.storage.execution import SqlExecutionStore
from freeride.storage.repositories import Repositories
from freeride.testing.builders import market_order


def fill(n: int, t: int) -> Fill:
    return Fill(
        fill_id=f"paper:live-{n}-1",
        client_order_id=f"fr-{n}",
        broker_order_id=f"paper:live-{n}",
        strategy="sma_cross:AAPL",
        symbol="AAPL",
        side=Side.BUY if n % 2 else Side.SELL,
        quantity=Decimal(5),
        price=Decimal("100.5"),
        commission=Decimal("0.5"),
        ts_event=t,
        ts_init=t,
    )


async def test_archive_moves_the_ledger_aside_and_all_fills_come_in_order(
    engine: AsyncEngine, repos: Repositories
) -> None:
    store = SqlExecutionStore(engine, 1)
    await repos.runs.begin("live-paper-live", name="paper-account", config={"paper": {"x": 1}}, started_at=1)
    await store.add_orders(
        "live-paper-live", [market_order("AAPL", Side.BUY, "5", coid=f"fr-{n}") for n in (1, 2)]
    )
    await store.save_fills("live-paper-live", [fill(2, 20), fill(1, 10)])
    assert [f.fill_id for f in await store.all_fills("live-paper-live")] == [
        "paper:live-1-1",
        "paper:live-2-1",
    ]

    await repos.runs.archive("live-paper-live", "live-paper-live@20240603T160000Z")
    assert await store.all_fills("live-paper-live") == []
    assert not await store.has_orders("live-paper-live")
    kept = await store.all_fills("live-paper-live@20240603T160000Z")
    assert [f.fill_id for f in kept] == ["paper:live-1-1", "paper:live-2-1"]
    archived = await repos.runs.get("live-paper-live@20240603T160000Z")
    assert archived is not None
    assert (archived.name, archived.config) == ("paper-account (archived)", {"paper": {"x": 1}})
    assert await repos.runs.get("live-paper-live") is not None  # the record stays for the next life

    with pytest.raises(InvalidInput, match="no such run"):
        await repos.runs.archive("nope", "nope@1")
