"""``freeride kill|resume|orders|positions|broker status`` against a real SQLite database."""

from __future__ import annotations

import asyncio
import getpass
import time
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from freeride.adapters.paper.broker import PaperBroker
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.cli.broker import register as register_broker
from freeride.cli.flatten import register as register_flatten
from freeride.cli.orders import register as register_orders
from freeride.config.risk import RiskSettings
from freeride.config.settings import load_settings
from freeride.core.clock import ManualClock
from freeride.core.market import Quote
from freeride.core.orders import Order, OrderIntent, OrderStatus, OrderType, Side
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.execution.manager import ManagerConfig, OrderManager
from freeride.execution.risk import RiskManager
from freeride.ports.execution import Approval, ApprovalState, HaltKind
from freeride.storage.engine import create_engine
from freeride.storage.execution import SqlControlStore, SqlExecutionStore
from freeride.storage.migrate import upgrade


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[typer.Typer, str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FREERIDE_DATABASE_URL", url)
    monkeypatch.setenv("FREERIDE_SECRETS__ORDER", "env")
    monkeypatch.chdir(tmp_path)
    app = typer.Typer()
    register_orders(app)
    register_broker(app)
    return app, url


def test_kill_and_resume_go_through_the_database(cli: tuple[typer.Typer, str]) -> None:
    app, url = cli
    runner = CliRunner()
    result = runner.invoke(app, ["kill", "--reason", "news shock"])
    assert result.exit_code == 0, result.output
    assert "kill switch engaged" in result.output

    async def stored() -> list[HaltKind]:
        engine = create_engine(url)
        try:
            return [h.kind for h in await SqlControlStore(engine).halts()]
        finally:
            await engine.dispose()

    assert asyncio.run(stored()) == [HaltKind.KILL]
    status = runner.invoke(app, ["broker", "status"])
    assert "news shock" in status.output
    assert "alive" in status.output
    again = runner.invoke(app, ["resume"])
    assert "cleared kill halt (news shock)" in again.output
    assert asyncio.run(stored()) == []
    assert "nothing was halted" in runner.invoke(app, ["resume"]).output


def test_orders_and_positions_list_what_is_stored(cli: tuple[typer.Typer, str]) -> None:
    app, url = cli
    run_id = load_settings().execution.run_id()

    async def seed() -> None:
        await upgrade(url)
        engine = create_engine(url)
        try:
            store = SqlExecutionStore(engine, 1)
            order = Order(
                client_order_id="fr-abc",
                strategy="s",
                symbol="AAPL",
                side=Side.BUY,
                quantity=Decimal(3),
                order_type=OrderType.MARKET,
                status=OrderStatus.ACCEPTED,
                ts_event=1,
                ts_init=1,
            )
            await store.save_orders(run_id, [order])
        finally:
            await engine.dispose()

    asyncio.run(seed())
    runner = CliRunner()
    listed = runner.invoke(app, ["orders", "--open"])
    assert listed.exit_code == 0, listed.output
    assert "fr-abc" in listed.output
    assert "accepted" in listed.output
    assert "fr-abc" in runner.invoke(app, ["orders", "--json"]).output
    assert "no orders wait" in runner.invoke(app, ["orders", "approvals"]).output
    refused = runner.invoke(app, ["orders", "approve", "fr-abc"])
    assert refused.exit_code == 1
    assert "waits for approval" in refused.output
    assert runner.invoke(app, ["positions"]).exit_code == 0


def test_login_is_only_for_robinhood(cli: tuple[typer.Typer, str]) -> None:
    app, _ = cli
    result = CliRunner().invoke(app, ["broker", "login", "alpaca"])
    assert result.exit_code == 2
    assert "only robinhood needs a login" in result.output


def test_status_names_a_missing_key(cli: tuple[typer.Typer, str], monkeypatch: pytest.MonkeyPatch) -> None:
    app, _ = cli
    monkeypatch.setenv("FREERIDE_EXECUTION__BROKER", "alpaca")
    result = CliRunner().invoke(app, ["broker", "status"])
    assert result.exit_code == 1
    assert "alpaca_key_id is not set" in result.output


def test_approvals_held_under_a_live_paper_run_are_listed_and_decided(cli: tuple[typer.Typer, str]) -> None:
    """A live engine holds its orders under its own ledger (not the configured account's id): the
    CLI finds them wherever they wait."""
    app, url = cli
    ledger = "live-paper-20240603T150000Z-1a2b3c4d"

    async def seed(*runs: str) -> None:
        await upgrade(url)
        engine = create_engine(url)
        try:
            for run in runs:
                await SqlControlStore(engine).request_approval(
                    Approval(
                        run_id=run,
                        client_order_id="fr-held",
                        state=ApprovalState.PENDING,
                        summary="buy 5 AAPL market (sma_cross:AAPL)",
                        requested_at=1_717_430_400_000_000_000,
                    )
                )
        finally:
            await engine.dispose()

    async def state(run: str) -> list[tuple[ApprovalState, str | None]]:
        engine = create_engine(url)
        try:
            return [(a.state, a.decided_by) for a in await SqlControlStore(engine).approvals(run)]
        finally:
            await engine.dispose()

    asyncio.run(seed(ledger))
    runner = CliRunner()
    listed = runner.invoke(app, ["orders", "approvals"])
    assert listed.exit_code == 0, listed.output
    assert "fr-held" in listed.output
    assert "buy 5 AAPL market" in listed.output
    assert ledger[:20] in listed.output  # the run it waits in is shown
    approved = runner.invoke(app, ["orders", "approve", "fr-held"])
    assert approved.exit_code == 0, approved.output
    assert "approved" in approved.output
    assert asyncio.run(state(ledger)) == [(ApprovalState.APPROVED, f"cli:{getpass.getuser()}")]
    assert "no orders wait" in runner.invoke(app, ["orders", "approvals"]).output

    other = "live-alpaca-main"
    asyncio.run(seed(other, "live-robinhood-main"))  # the same id waiting in two runs
    ambiguous = runner.invoke(app, ["orders", "reject", "fr-held"])
    assert ambiguous.exit_code == 2
    assert "say which with --run" in ambiguous.output
    chosen = runner.invoke(app, ["orders", "reject", "fr-held", "--run", other])
    assert chosen.exit_code == 0, chosen.output
    assert asyncio.run(state(other))[0][0] is ApprovalState.REJECTED
    assert asyncio.run(state("live-robinhood-main"))[0][0] is ApprovalState.PENDING


def test_flatten_asks_then_the_engine_answers_through_the_database(cli: tuple[typer.Typer, str]) -> None:
    app, url = cli
    register_flatten(app)
    runner = CliRunner()
    declined = runner.invoke(app, ["flatten"], input="n\n")
    assert declined.exit_code == 1
    assert "close every position of live-paper-" in declined.output
    assert "nothing was done" in declined.output
    asked = runner.invoke(app, ["flatten", "--yes", "--wait", "0"])
    assert asked.exit_code == 0, asked.output
    assert "pending" in asked.output
    request_id = asked.output.split()[1]

    async def engine_takes_it() -> None:  # the running engine's next look at the control store
        engine = create_engine(url)
        clock = ManualClock(time.time_ns())  # a moment after the request: not expired
        broker = PaperBroker(
            SimulatedExchange(
                Portfolio(cash=Decimal(100_000)),
                ExchangeConfig(commission=PercentCommission(Decimal(0)), name="p"),
            ),
            clock,
        )
        bus = InMemoryBus(clock)
        manager = OrderManager(
            bus,
            clock,
            brokers={},
            default_broker=broker,
            store=SqlExecutionStore(engine),
            controls=SqlControlStore(engine),
            risk=RiskManager(RiskSettings()),
            config=ManagerConfig(run_id=load_settings().execution.run_id(), watch_controls=False),
        )
        try:
            await manager.start()
            now = clock.now_ns()
            broker.on_quote(Quote(symbol="AAPL", bid=99.0, ask=101.0, ts_event=now, ts_init=now))
            buy = OrderIntent(
                client_order_id="fr-long",
                strategy="s",
                signal_id="1",
                symbol="AAPL",
                side=Side.BUY,
                quantity=Decimal(2),
                ts_event=now,
                ts_init=now,
            )
            bus.publish(topics.order_intent("s"), buy)
            await manager.idle()
            await manager.poll_controls()
            await manager.idle()
            await manager.stop()
        finally:
            await engine.dispose()

    asyncio.run(engine_takes_it())
    shown = runner.invoke(app, ["flatten", "--show", request_id])
    assert shown.exit_code == 0, shown.output
    assert "done at" in shown.output
    assert "sell 2 AAPL market" in shown.output
    assert "filled" in shown.output
    missing = runner.invoke(app, ["flatten", "--show", "nope"])
    assert missing.exit_code == 1
    assert "no flatten request 'nope'" in missing.output
