"""Rules, firings, outbox and tokens on both databases."""

from __future__ import annotations

import math

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.app.api import TokenAuth, create_token, hash_token
from freeride.core.alerts import AlertFired, AlertKind, AlertRule, QuietHours
from freeride.core.clock import ManualClock
from freeride.core.errors import InvalidInput
from freeride.core.notify import Notification, OutboxStatus
from freeride.ports.tokens import Scope
from freeride.storage.repositories import AlertRepository, OutboxRepository, TokenRepository


def rule(alert_id: str, **kw: object) -> AlertRule:
    base: dict[str, object] = {"symbol": "AAPL", "kind": AlertKind.ABOVE, "threshold": 200.0, "created_at": 1}
    return AlertRule(id=alert_id, **{**base, **kw})  # type: ignore[arg-type]


def fired(alert_id: str, count: int, *, active: bool, price: float = 201.0) -> AlertFired:
    return AlertFired(
        alert_id=alert_id, symbol="AAPL", kind=AlertKind.ABOVE, price=price, threshold=200.0,
        description="AAPL above 200", message=None, user="default", tags=(), notify=("discord",), quiet=False,
        fired_count=count, active=active, cooldown_until=500 if active else 0, latency_ns=1_000,
        ts_event=100 + count, ts_init=200 + count,
    )  # fmt: skip


async def test_rules_round_trip_and_filter(db: AsyncEngine) -> None:
    repo = AlertRepository(db)
    full = rule(
        "a1", kind=AlertKind.RSI_BELOW, threshold=30.0, interval="1d", period=14, user="ann",
        tags=("swing", "tech_1"), notify=("discord",), quiet=QuietHours(start="22:00", end="07:00"),
        repeat=True, cooldown_s=60.0, expires_at=10**19 // 10, message="oversold",
    )  # fmt: skip
    await repo.add(full, now_ns=10)
    await repo.add(rule("a2", symbol="EUR/USD", user="bob", tags=("techx1",)), now_ns=11)
    with pytest.raises(InvalidInput, match="already exists"):
        await repo.add(rule("a1"), now_ns=12)
    got = await repo.get("a1")
    assert got is not None
    assert got.rule == full
    assert got.state.active
    assert [s.rule.id for s in await repo.find(user="bob")] == ["a2"]
    assert [s.rule.id for s in await repo.find(tag="tech_1")] == ["a1"]  # "_" is not a LIKE wildcard here
    assert await repo.remove("a2", now_ns=20)
    assert not await repo.remove("a2", now_ns=21)
    assert await repo.get("a2") is None
    changed = await repo.changed_since(20)
    assert [(s.rule.id, s.deleted) for s in changed] == [("a2", True)]
    assert await repo.remove_where(now_ns=30, user="ann") == 1
    assert await repo.find() == []


async def test_firings_outbox_and_state_in_one_write(db: AsyncEngine) -> None:
    repo = AlertRepository(db)
    outbox = OutboxRepository(db)
    await repo.add(rule("a1", repeat=True), now_ns=10)
    await repo.add(rule("a2"), now_ns=10)
    notes = [
        Notification(channel="discord", title="t", text=str(i), key="a1", ts_event=1, ts_init=5)
        for i in range(3)
    ]
    batch = [
        fired("a1", 1, active=True),
        fired("a1", 2, active=True),
        fired("a2", 1, active=False, price=math.nan),
    ]
    await repo.record_firings(batch, notes)
    a1, a2 = await repo.get("a1"), await repo.get("a2")
    assert a1 is not None
    assert a2 is not None
    assert (a1.state.fired_count, a1.state.active, a1.state.cooldown_until, a1.state.last_fired_at) == (
        2,
        True,
        500,
        202,
    )
    assert (a2.state.fired_count, a2.state.active) == (1, False)
    assert await repo.changed_since(11) == []  # firing is not an edit
    history = await repo.history()
    assert [(f.alert_id, f.fired_count) for f in history] == [("a2", 1), ("a1", 2), ("a1", 1)]
    assert math.isnan(history[0].price)
    assert [s.rule.id for s in await repo.find(active=True)] == ["a1"]
    due = await outbox.due("discord", now_ns=5, limit=10)
    assert [i.notification.text for i in due] == ["0", "1", "2"]
    assert await outbox.due("discord", now_ns=4, limit=10) == []
    await outbox.reschedule([due[0].id], at_ns=50, error="down", count_attempt=True)
    await outbox.mark_sent([due[1].id], now_ns=6)
    await outbox.mark_dead([due[2].id], "refused")
    assert await outbox.next_due("discord") == 50
    assert await outbox.counts() == {"pending": 1, "sent": 1, "dead": 1}
    (item,) = await outbox.items(OutboxStatus.PENDING)
    assert (item.attempts, item.error) == (1, "down")


async def test_tokens_are_stored_hashed_and_revocable(db: AsyncEngine) -> None:
    repo = TokenRepository(db)
    clock = ManualClock(1_000)
    secret, record = await create_token(repo, "dash", Scope.TRADE, clock)
    assert secret.startswith("fr_")
    assert record.prefix == secret[:8]
    with pytest.raises(InvalidInput, match="exists"):
        await create_token(repo, "dash", Scope.READ, clock)
    stored = await repo.by_hash(hash_token(secret))
    assert stored is not None
    assert stored.allows(Scope.READ)
    assert not stored.allows(Scope.ADMIN)
    auth = TokenAuth(repo, clock, cache_s=5)
    assert await auth.check(secret) == record
    assert await auth.check("fr_not-a-token") is None
    assert await repo.revoke("dash", now_ns=2_000) is not None
    assert await auth.check(secret) == record  # cached for 5 s
    clock.advance(5)
    assert await auth.check(secret) is None
    assert [t.name for t in await repo.list(include_revoked=True)] == ["dash"]
    assert await repo.list() == []
