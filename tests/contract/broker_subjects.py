"""Every ``Broker``, built against its fake (paper needs none), with a transport a test can sabotage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from freeride.adapters.alpaca import AlpacaBroker, AlpacaConfig
from freeride.adapters.paper.broker import PaperBroker
from freeride.adapters.robinhood import Headless, RobinhoodAuth, RobinhoodBroker, RobinhoodConfig, TokenVault
from freeride.config.secrets import ChainedSecretStore, FileSecretStore
from freeride.core.clock import ManualClock
from freeride.core.market import Quote
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.ports.broker import Broker
from freeride.testing.fakes.alpaca import FakeAlpaca
from freeride.testing.fakes.robinhood import FakeRobinhood

T0 = 1_717_430_400_000_000_000  # 2024-06-03 16:00 UTC, a Monday
ROBINHOOD = RobinhoodConfig(base_url="http://robinhood", poll_s=2.0, refresh_ahead_s=3600)


@dataclass
class Sabotage:
    """What the wire does to the next request that matches (method, a fragment of its path)."""

    method: str
    path: str
    lose_reply: bool = False  # the broker acts on it, the answer never comes
    unanswered: bool = False  # no answer, and no telling whether it arrived
    status: int | None = None  # the answer is this status instead (the broker never saw it)
    refuse: bool = False  # the connection is refused: it never left


class SabotagedTransport(httpx.AsyncBaseTransport):
    """The fake vendor's ASGI app behind a wire that can lose, replace or refuse one request."""

    def __init__(self, app: object) -> None:
        self._inner = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self.plans: list[Sabotage] = []
        self.acted: list[Sabotage] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        plan = next(
            (p for p in self.plans if p.method == request.method and p.path in request.url.path), None
        )
        if plan is None:
            return await self._inner.handle_async_request(request)
        self.plans.remove(plan)
        self.acted.append(plan)
        if plan.refuse:
            raise httpx.ConnectError("connection refused", request=request)
        if plan.unanswered:
            raise httpx.RemoteProtocolError("server disconnected without sending a response", request=request)
        if plan.status is not None:
            return httpx.Response(plan.status, json={"message": "upstream trouble"}, request=request)
        response = await self._inner.handle_async_request(request)
        await response.aclose()
        raise httpx.ReadTimeout("the reply was lost after the request took effect", request=request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@dataclass
class BrokerSubject:
    name: str
    broker: Broker
    clock: ManualClock
    wire: SabotagedTransport | None = None  # None: no network (paper)
    orders_path: str = ""  # where orders are placed
    cancel: tuple[str, str] = ("", "")  # method and path fragment of a cancel
    broker_orders: Callable[[], int] = field(default=lambda: 0)  # orders the broker holds
    request: Callable[..., Awaitable[Any]] | None = None  # the client's raw request (wire only)


async def paper(clock: ManualClock, tmp_path: Path) -> BrokerSubject:
    config = ExchangeConfig(commission=PercentCommission(Decimal(0)), name="paper")
    exchange = SimulatedExchange(Portfolio(cash=Decimal(100_000)), config)
    broker = PaperBroker(exchange, clock)
    broker.on_quote(Quote(symbol="AAPL", bid=189.9, ask=190.1, ts_event=T0, ts_init=T0))
    return BrokerSubject("paper", broker, clock, broker_orders=lambda: len(exchange._orders))


async def alpaca(clock: ManualClock, tmp_path: Path) -> BrokerSubject:
    fake = FakeAlpaca(clock=clock)
    wire = SabotagedTransport(fake.app)
    config = AlpacaConfig(
        key_id=SecretStr("PKTEST"), secret_key=SecretStr("alpaca-secret"), base_url="http://a"
    )
    broker = AlpacaBroker(config, clock, wire, stream=False)
    return BrokerSubject(
        "alpaca",
        broker,
        clock,
        wire,
        orders_path="/v2/orders",
        cancel=("DELETE", "/v2/orders/"),
        broker_orders=lambda: len(fake.orders),
        request=broker.client.request,
    )


async def robinhood(clock: ManualClock, tmp_path: Path) -> BrokerSubject:
    fake = FakeRobinhood(clock=clock, cash="100000")
    wire = SabotagedTransport(fake.app)
    vault = TokenVault(ChainedSecretStore([FileSecretStore(tmp_path / "secrets.json")]))
    auth = RobinhoodAuth(ROBINHOOD, clock, httpx.ASGITransport(app=fake.app))
    await vault.save(await auth.login(fake.username, fake.password, "device-1", Headless()))
    await auth.aclose()
    broker = RobinhoodBroker(ROBINHOOD, clock, vault, transport=wire, poll=False)
    await broker.connect()
    return BrokerSubject(
        "robinhood",
        broker,
        clock,
        wire,
        orders_path="/orders/",
        cancel=("POST", "/cancel/"),
        broker_orders=lambda: len(fake.orders),
        request=broker.client.request,
    )


FACTORIES = {"paper": paper, "alpaca": alpaca, "robinhood": robinhood}
