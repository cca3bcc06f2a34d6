"""``freeride kill|resume|orders|positions|broker status`` against a real SQLite database."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from freeride.cli.broker import register as register_broker
from freeride.cli.orders import register as register_orders
from freeride.config.settings import load_settings
from freeride.core.orders import Order, OrderStatus, OrderType, Side
from freeride.ports.execution import HaltKind
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
