"""The read API over a seeded SQLite database: one run with orders, fills, positions and events,
live prices and signals on an in-memory bus, a paper account, and one token per scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from freeride.alerts.service import AlertService
from freeride.api import create_app
from freeride.app.api import ApiState, TokenAuth, create_token
from freeride.app.backtest_jobs import BacktestJobs
from freeride.app.backtest_reports import BacktestReports
from freeride.app.live import LiveViews
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.api import ApiSettings
from freeride.config.settings import load_settings
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.instruments import parse_instrument
from freeride.core.market import Bar, Quote
from freeride.core.orders import Direction, Fill, Order, OrderStatus, OrderType, Position, Side, Signal
from freeride.core.system import Level, SystemEvent
from freeride.exchange.portfolio import Portfolio
from freeride.execution.control import ExecutionControl
from freeride.ports.tokens import Scope
from freeride.storage.engine import create_engine
from freeride.storage.execution import SqlControlStore
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import Repositories

T0 = 1_700_000_000 * NS_PER_SECOND
DAY = 86_400 * NS_PER_SECOND
RUN = "run-0123456789abcdef"
OTHER_RUN = "backtest-fedcba9876543210"


@dataclass
class V1:
    http: httpx.AsyncClient
    state: ApiState
    repos: Repositories
    bus: InMemoryBus
    clock: ManualClock
    tokens: dict[str, str]

    def auth(self, scope: str = "read") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[scope]}"}

    async def get(self, path: str, scope: str = "read", **params: object) -> httpx.Response:
        return await self.http.get(path, headers=self.auth(scope), params=params or None)  # type: ignore[arg-type]


def order(n: int, symbol: str, status: OrderStatus = OrderStatus.FILLED) -> Order:
    return Order(
        client_order_id=f"fr-{n}",
        strategy=f"sma_cross:{symbol}",
        symbol=symbol,
        side=Side.BUY if n % 2 else Side.SELL,
        quantity=Decimal(50),
        order_type=OrderType.MARKET,
        status=status,
        filled_quantity=Decimal(50) if status is OrderStatus.FILLED else Decimal(0),
        avg_fill_price=Decimal("100.10") if status is OrderStatus.FILLED else None,
        ts_event=T0 + n * DAY,
        ts_init=T0 + n * DAY,
    )


async def seed(repos: Repositories, bus: InMemoryBus) -> None:
    for symbol in ("GOOG", "EUR/USD"):
        await repos.instruments.upsert(parse_instrument(symbol))
    await repos.runs.begin(RUN, name="embedded", config={}, started_at=T0)
    await repos.runs.begin(OTHER_RUN, name="backtest", config={"strategy": "sma_cross"}, started_at=T0 - DAY)
    await repos.runs.finish(OTHER_RUN, finished_at=T0, summary={"final_equity": "101000.00", "trades": 3})
    bars = [
        Bar(
            symbol="GOOG",
            interval="1d",
            open=100 + i,
            high=102 + i,
            low=99 + i,
            close=101 + i,
            volume=1e6,
            ts_event=T0 + i * DAY,
            ts_init=T0 + i * DAY,
        )
        for i in range(30)
    ]
    await repos.bars.upsert_many(bars)
    for n in range(1, 6):
        await repos.orders.upsert(RUN, order(n, "GOOG"))
    await repos.orders.upsert(RUN, order(6, "EUR/USD", OrderStatus.ACCEPTED))
    for n in range(1, 6):
        o = order(n, "GOOG")
        await repos.fills.insert(
            RUN,
            Fill(
                fill_id=f"f-{n}",
                client_order_id=o.client_order_id,
                strategy=o.strategy,
                symbol="GOOG",
                side=o.side,
                quantity=o.quantity,
                price=Decimal("100.10"),
                commission=Decimal("5.00"),
                ts_event=o.ts_event,
                ts_init=o.ts_init,
            ),
        )
    await repos.positions.upsert(
        RUN,
        Position(
            symbol="GOOG",
            quantity=Decimal(50),
            avg_price=Decimal("100.10"),
            realized_pnl=Decimal("12.50"),
            ts_event=T0,
            ts_init=T0,
        ),
    )
    await repos.positions.upsert(
        RUN,
        Position(
            symbol="EUR/USD",
            quantity=Decimal(0),
            avg_price=Decimal(0),
            realized_pnl=Decimal("-3.25"),
            ts_event=T0,
            ts_init=T0,
        ),
    )
    for i, (level, source) in enumerate(
        [(Level.INFO, "run"), (Level.WARNING, "gateway"), (Level.ERROR, "broker"), (Level.INFO, "run")]
    ):
        await repos.system_events.append(
            RUN,
            SystemEvent(
                source=source,
                kind=f"k{i}",
                level=level,
                message=f"event {i}",
                ts_event=T0 + i * NS_PER_SECOND,
                ts_init=T0 + i * NS_PER_SECOND,
            ),
        )
    for bar in bars:
        bus.publish(topics.bar("GOOG", "1d"), bar)
    bus.publish(
        topics.quote("EUR/USD"), Quote(symbol="EUR/USD", bid=1.1, ask=1.1002, ts_event=T0, ts_init=T0)
    )
    for i, direction in enumerate((Direction.LONG, Direction.SHORT, Direction.LONG)):
        bus.publish(
            topics.signal("sma_cross:GOOG"),
            Signal(
                signal_id=f"s{i}",
                strategy="sma_cross:GOOG",
                symbol="GOOG",
                direction=direction,
                reason=f"cross {i}",
                ts_event=T0 + i,
                ts_init=T0 + i,
            ),
        )


@pytest.fixture
async def v1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[V1]:
    monkeypatch.setenv(
        "FREERIDE_NOTIFY__DISCORD", '{"ops": "https://discord.com/api/webhooks/1/very-secret"}'
    )
    db = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'v1.db'}")
    await upgrade_engine(db)
    clock = ManualClock(T0)
    bus = InMemoryBus(clock)
    repos = Repositories.from_engine(db)
    live = LiveViews(bus)
    await seed(repos, bus)
    tokens = {s.value: (await create_token(repos.tokens, s.value, s, clock))[0] for s in Scope}
    settings = load_settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'v1.db'}")
    account = Portfolio(cash=Decimal("95000"), currency="USD")
    account.book_fill("GOOG", Decimal(50), Decimal("100"), Decimal("5"))
    account.mark("GOOG", 110.0)
    state = ApiState(
        settings=ApiSettings(),
        clock=clock,
        tokens=TokenAuth(repos.tokens, clock, cache_s=0),
        bus=bus,
        alerts=AlertService(repos.alerts, clock),
        repos=repos,
        run_id=RUN,
        accounts={"GOOG": account},
        live=live,
        full_settings=settings,
        backtests=BacktestJobs(settings, bus, clock),
        reports=BacktestReports(repos.runs),
        db=db,
        control=ExecutionControl(SqlControlStore(db), clock),
    )
    transport = httpx.ASGITransport(create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        yield V1(http=http, state=state, repos=repos, bus=bus, clock=clock, tokens=tokens)
    await db.dispose()
