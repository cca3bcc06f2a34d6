"""What the operator's commands do, as plain async functions over ``Settings``.

The CLI (``freeride kill``, ``freeride orders``, ``freeride broker …``) and the API call these; each
opens what it needs (the database, a broker session) and closes it again. None of them needs a
running engine: the kill switch and approvals go through the database, which the engine polls.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.adapters.robinhood import Responder, RobinhoodAuth, TokenVault
from freeride.app.brokers import build_broker, robinhood_config
from freeride.app.database import open_database
from freeride.app.secrets import extra_secret_stores
from freeride.config.secrets import ChainedSecretStore, build_secret_store
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.core.errors import AuthError, FreerideError, InvalidInput
from freeride.core.orders import Order, Position
from freeride.execution.control import ExecutionControl
from freeride.ports.broker import BrokerAccount, SessionState
from freeride.ports.execution import Approval, FlattenRequest, Halt, HaltKind
from freeride.storage.execution import SqlControlStore, SqlExecutionStore
from freeride.storage.repositories import RunRepository


def secret_chain(settings: Settings) -> ChainedSecretStore:
    return build_secret_store(settings, extra_secret_stores(settings), warn=False)


@asynccontextmanager
async def control(settings: Settings, clock: Clock) -> AsyncIterator[ExecutionControl]:
    async with open_database(settings.database_url) as engine:
        yield ExecutionControl(SqlControlStore(engine), clock)


async def kill(settings: Settings, clock: Clock, reason: str, by: str) -> Halt:
    async with control(settings, clock) as c:
        return await c.kill(reason, by)


async def resume(
    settings: Settings, clock: Clock, by: str, kinds: list[HaltKind] | None = None
) -> list[Halt]:
    async with control(settings, clock) as c:
        return await c.resume(by, kinds)


async def flatten(settings: Settings, clock: Clock, by: str, wait_s: float) -> FlattenRequest:
    """Ask the engine trading the live ledger to close everything; see ``ExecutionControl.flatten``."""
    async with control(settings, clock) as c:
        return await c.flatten(settings.execution.run_id(), by, wait_s)


async def flatten_request(settings: Settings, clock: Clock, request_id: str) -> FlattenRequest | None:
    async with control(settings, clock) as c:
        return await c.flatten_request(request_id)


async def halts(settings: Settings, clock: Clock) -> list[Halt]:
    async with control(settings, clock) as c:
        return await c.status()


async def pending(settings: Settings, clock: Clock, run_id: str | None = None) -> list[Approval]:
    """Orders waiting for approval: of ``run_id``, else of every ledger.

    Every ledger, because the one an engine holds its orders under depends on how it runs (a live
    paper account, a real broker's account, a replay); the run is shown beside each order.
    """
    async with control(settings, clock) as c:
        return await c.pending_approvals(run_id)


async def decide(
    settings: Settings, clock: Clock, client_order_id: str, approve: bool, by: str, run_id: str | None = None
) -> bool:
    """Approve or reject the order waiting under ``client_order_id`` (in ``run_id``, else in the one
    ledger where it waits); ``False`` when none waits. Raises ``InvalidInput`` when it waits in
    several ledgers and ``run_id`` does not say which."""
    async with control(settings, clock) as c:
        if run_id is None:
            runs = sorted(
                {a.run_id for a in await c.pending_approvals() if a.client_order_id == client_order_id}
            )
            if not runs:
                return False
            if len(runs) > 1:
                raise InvalidInput(
                    f"order {client_order_id!r} waits for approval in {len(runs)} runs "
                    f"({', '.join(runs)}): say which with --run"
                )
            run_id = runs[0]
        if approve:
            return await c.approve(run_id, client_order_id, by)
        return await c.reject(run_id, client_order_id, by)


async def current_ledger(engine: AsyncEngine, settings: Settings) -> str:
    """The ledger a person means by "my orders": that of the newest run (a replay's own id, a
    live run's account ledger), else the configured live account's."""
    for run in await RunRepository(engine).list_runs(limit=20):
        if run.name == "embedded":
            return run.run_id
        ledger = run.config.get("ledger_run_id") if run.name == "live" else None
        if isinstance(ledger, str) and ledger:
            return ledger
    return settings.execution.run_id()


async def stored_orders(
    settings: Settings, run_id: str | None, open_only: bool, limit: int
) -> tuple[str, list[Order]]:
    """The orders of ``run_id`` (default: the current ledger) and which ledger that was."""
    async with open_database(settings.database_url) as engine:
        store = SqlExecutionStore(engine)
        rid = run_id or await current_ledger(engine, settings)
        if open_only:
            return rid, await store.open_orders(rid)
        return rid, await store.recent_orders(rid, limit)


async def stored_positions(settings: Settings, run_id: str | None) -> tuple[str, list[Position]]:
    """The positions of ``run_id`` (default: the current ledger) and which ledger that was."""
    async with open_database(settings.database_url) as engine:
        rid = run_id or await current_ledger(engine, settings)
        return rid, await SqlExecutionStore(engine).positions(rid)


@dataclass
class BrokerReport:
    broker: str
    session: SessionState | None = None
    account: BrokerAccount | None = None
    positions: list[Position] = field(default_factory=list)
    open_orders: int = 0
    problem: str = ""


async def broker_report(
    settings: Settings, clock: Clock, transport: httpx.AsyncBaseTransport | None = None
) -> BrokerReport:
    """Ask the configured broker: is the session alive, the account, positions, open orders."""
    report = BrokerReport(broker=settings.execution.broker)
    try:
        broker = build_broker(settings, clock, secret_chain(settings), transport, observer=True)
    except FreerideError as exc:
        report.problem = str(exc)
        return report
    try:
        await broker.connect()
        report.session = await broker.session()
        if report.session.alive:
            report.account = await broker.account()
            report.positions = await broker.positions()
            report.open_orders = len(await broker.open_orders())
    except FreerideError as exc:
        report.problem = f"{type(exc).__name__}: {exc}"
    finally:
        await broker.close()
    return report


async def robinhood_login(
    settings: Settings,
    clock: Clock,
    responder: Responder,
    *,
    username: str,
    password: str,
    totp_secret: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> str:
    """Log in once (approving this device if Robinhood asks), store the tokens; returns where."""
    secrets = secret_chain(settings)
    vault = TokenVault(secrets)
    device = await vault.device_token() or str(uuid.uuid4())
    auth = RobinhoodAuth(robinhood_config(settings), clock, transport)
    try:
        tokens = await auth.login(username, password, device, responder, totp_secret=totp_secret)
    finally:
        await auth.aclose()
    if not tokens.refresh_token:
        raise AuthError("robinhood: the login returned no refresh token")
    if await vault.device_token() != device:
        await vault.save_device_token(device)
    return ", ".join(await vault.save(tokens))
