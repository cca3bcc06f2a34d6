"""Session health, the automatic kill switch, approval mode and the daily-loss halt."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from execution_desk import T0, intent, make_desk, paper_broker, quote
from pydantic import SecretStr

from freeride.adapters.alpaca import AlpacaBroker, AlpacaConfig
from freeride.adapters.robinhood import Headless, RobinhoodAuth, RobinhoodBroker, RobinhoodConfig, TokenVault
from freeride.app.brokers import report_session_loss
from freeride.config.risk import RiskSettings
from freeride.config.secrets import ChainedSecretStore, FileSecretStore
from freeride.core.clock import ManualClock
from freeride.core.orders import AccountState, OrderStatus
from freeride.execution.control import ExecutionControl
from freeride.execution.health import BrokerHealth
from freeride.ports.execution import ApprovalState, HaltKind
from freeride.testing.fakes.alpaca import FakeAlpaca, LostReplyTransport
from freeride.testing.fakes.robinhood import FakeRobinhood
from freeride.testing.fakes.waiting import until

CONFIG = RobinhoodConfig(base_url="http://robinhood", poll_s=2.0)


async def test_refresh_token_rejected_kills_trading_and_alerts(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    fake = FakeRobinhood(clock=clock)
    secrets = ChainedSecretStore([FileSecretStore(tmp_path / "s.json")])
    vault = TokenVault(secrets)
    login = RobinhoodAuth(CONFIG, clock, LostReplyTransport(fake.app))
    await vault.save(await login.login(fake.username, fake.password, "dev-1", Headless()))
    rh = RobinhoodBroker(CONFIG, clock, vault, transport=LostReplyTransport(fake.app), poll=False)
    desk = make_desk(rh, clock)
    manager = await desk.start()
    health = BrokerHealth(manager.desk, clock, interval_s=30)
    report_session_loss(rh, health)
    await health.start()
    await desk.send(intent(1, limit="100"))
    assert desk.last(intent(1).client_order_id).status is OrderStatus.ACCEPTED

    fake.revoke_all()  # the refresh token is refused from now on
    clock.advance(23 * 3600)  # the daemon's refresh comes due
    await until(lambda: manager.halts.current.get(HaltKind.KILL) is not None)
    await manager.idle()
    (dead,) = desk.system("session_dead")
    assert dead.level.value == "critical"
    assert dead.data["alert"] is True
    assert "invalid_grant" in dead.message
    kill = manager.halts.current[HaltKind.KILL]
    assert kill.source == "auto:session:robinhood"
    await desk.send(intent(2, limit="100"))
    assert desk.last(intent(2).client_order_id).status is OrderStatus.REJECTED
    await health.stop()
    await manager.stop()


async def test_a_dead_session_found_by_the_health_check_kills_once() -> None:

    clock = ManualClock(T0)
    fake = FakeAlpaca(clock=clock)
    config = AlpacaConfig(
        key_id=SecretStr("PKTEST"), secret_key=SecretStr("alpaca-secret"), base_url="http://a"
    )
    desk = make_desk(AlpacaBroker(config, clock, LostReplyTransport(fake.app), stream=False), clock)
    manager = await desk.start()
    health = BrokerHealth(manager.desk, clock, interval_s=30)
    await health.start()
    assert health.checks == 1
    assert not desk.system("session_dead")
    fake.always("bad_key")  # keys revoked

    async def half_minute() -> None:  # both loops (health, control watcher) parked, then 30 s pass
        await until(lambda: clock.sleepers == 2)
        clock.advance(30)

    await half_minute()
    await until(lambda: bool(desk.system("session_dead")))
    await half_minute()
    await until(lambda: health.checks == 3)
    assert len(desk.system("session_dead")) == 1  # said once, not every 30 s
    assert manager.halts.current.get(HaltKind.KILL) is not None
    fake.always(None)
    await half_minute()
    await until(lambda: bool(desk.system("session_restored")))
    await health.stop()
    await manager.stop()


async def test_dead_session_without_the_kill_trigger_only_alerts() -> None:
    clock = ManualClock(T0)
    desk = make_desk(paper_broker(clock), clock)
    manager = await desk.start()
    health = BrokerHealth(manager.desk, clock, kill_on_dead_session=False)
    await health.session_lost("paper", "test")
    assert desk.system("session_dead")
    assert manager.halts.current == {}
    await manager.stop()


async def test_approval_mode_holds_orders_until_a_person_decides() -> None:
    desk = make_desk()
    manager = await desk.start(approval_mode=True)
    desk.broker.on_quote(quote("AAPL", 99.0, 101.0))  # type: ignore[attr-defined]
    await desk.send(intent(1), intent(2))
    held = await desk.controls.approvals("run-1", ApprovalState.PENDING)
    assert len(held) == 2
    assert "buy 1 AAPL market" in held[0].summary
    assert await desk.broker.open_orders() == []
    assert not desk.fills()
    assert len(desk.system("approval_needed")) == 2

    control = ExecutionControl(desk.controls, desk.clock)
    assert await control.approve("run-1", intent(1).client_order_id, by="alice")
    assert await control.reject("run-1", intent(2).client_order_id, by="bob")
    assert not await control.approve("run-1", intent(2).client_order_id, by="alice")  # decided already
    await manager.poll_controls()
    assert desk.last(intent(1).client_order_id).status is OrderStatus.FILLED
    rejected = desk.last(intent(2).client_order_id)
    assert rejected.status is OrderStatus.REJECTED
    assert rejected.reason == "rejected by bob"
    await manager.stop()


async def test_held_orders_survive_a_restart_and_are_not_taken_for_unsent_ones() -> None:
    desk = make_desk()
    first = await desk.start(approval_mode=True)
    await desk.send(intent(1, limit="90"))
    await first.stop()
    desk.clock.advance(3600)  # far older than the resend window
    second = await desk.start(approval_mode=True)
    assert desk.last(intent(1).client_order_id).status is OrderStatus.PENDING_NEW
    await ExecutionControl(desk.controls, desk.clock).approve("run-1", intent(1).client_order_id, "alice")
    await second.poll_controls()
    assert desk.last(intent(1).client_order_id).status is OrderStatus.ACCEPTED
    await second.stop()


async def test_reaching_the_daily_loss_halts_until_the_next_day() -> None:
    desk = make_desk()
    manager = await desk.start(RiskSettings(max_daily_loss=Decimal(100)))

    def equity(value: str, ts: int = T0) -> None:
        state = AccountState(
            account="paper",
            currency="USD",
            cash=Decimal(value),
            equity=Decimal(value),
            ts_event=ts,
            ts_init=ts,
        )
        manager._on_broker_update(state)

    equity("10000")
    equity("9900.01")
    await desk.send(intent(1, limit="90"))
    assert desk.last(intent(1).client_order_id).status is OrderStatus.ACCEPTED
    equity("9900")
    await desk.send(intent(2, limit="90"))
    refused = desk.last(intent(2).client_order_id)
    assert refused.status is OrderStatus.REJECTED
    assert "daily_loss" in refused.reason
    (halt,) = await desk.controls.halts()
    assert halt.kind is HaltKind.DAILY_LOSS
    assert halt.until_ns == manager.risk.next_day_ns(T0)
    tomorrow = manager.risk.next_day_ns(T0)
    await desk.send(intent(3, limit="90", ts=tomorrow))
    desk.clock.set_ns(tomorrow)
    await desk.send(intent(4, limit="90", ts=tomorrow))
    assert desk.last(intent(4).client_order_id).status is OrderStatus.ACCEPTED
    await manager.stop()


async def test_kill_engaged_while_no_engine_runs_holds_at_the_next_start() -> None:
    desk = make_desk()
    manager = await desk.start()
    await desk.send(intent(1, limit="90"))
    await manager.stop()
    await ExecutionControl(desk.controls, desk.clock).kill("end of the day", by="cli")
    again = await desk.start()
    assert await desk.broker.open_orders() == []  # cancelled on start
    await desk.send(intent(2, limit="90"))
    assert desk.last(intent(2).client_order_id).status is OrderStatus.REJECTED
    cleared = await ExecutionControl(desk.controls, desk.clock).resume(by="cli")
    assert [h.kind for h in cleared] == [HaltKind.KILL]
    await again.stop()
