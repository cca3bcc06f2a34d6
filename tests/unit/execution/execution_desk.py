"""A trading desk for the execution tests: bus, manual clock, paper broker, in-memory stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from freeride.adapters.paper.broker import PaperBroker
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.risk import RiskSettings
from freeride.core.clock import ManualClock
from freeride.core.market import Quote
from freeride.core.orders import Fill, Order, OrderIntent, OrderType, Side, client_order_id
from freeride.core.system import SystemEvent
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.execution.manager import ManagerConfig, OrderManager
from freeride.execution.memory import MemoryControlStore, MemoryExecutionStore
from freeride.execution.risk import RiskManager
from freeride.ports.broker import Broker

T0 = 1_717_430_400_000_000_000  # 2024-06-03 16:00 UTC, a Monday


def paper_broker(clock: ManualClock, cash: str = "100000") -> PaperBroker:
    exchange = SimulatedExchange(
        Portfolio(cash=Decimal(cash)),
        ExchangeConfig(commission=PercentCommission(Decimal(0)), name="paper"),
    )
    return PaperBroker(exchange, clock)


def intent(
    n: int | str,
    symbol: str = "AAPL",
    side: Side = Side.BUY,
    qty: str = "1",
    *,
    ts: int = T0,
    limit: str | None = None,
    strategy: str = "s",
) -> OrderIntent:
    return OrderIntent(
        client_order_id=client_order_id(strategy, str(n)),
        strategy=strategy,
        signal_id=str(n),
        symbol=symbol,
        side=side,
        quantity=Decimal(qty),
        order_type=OrderType.LIMIT if limit else OrderType.MARKET,
        limit_price=Decimal(limit) if limit else None,
        ts_event=ts,
        ts_init=ts,
    )


def quote(symbol: str, bid: float, ask: float, *, ts: int = T0, size: float = 0.0) -> Quote:
    return Quote(symbol=symbol, bid=bid, ask=ask, bid_size=size, ask_size=size, ts_event=ts, ts_init=ts)


@dataclass
class Desk:
    clock: ManualClock
    bus: InMemoryBus
    broker: Broker
    store: MemoryExecutionStore
    controls: MemoryControlStore
    seen: list[Any] = field(default_factory=list)
    manager: OrderManager | None = None

    def build(self, risk: RiskSettings | None = None, **config: Any) -> OrderManager:
        self.manager = OrderManager(
            self.bus,
            self.clock,
            brokers={},
            default_broker=self.broker,
            store=self.store,
            controls=self.controls,
            risk=RiskManager(risk or RiskSettings()),
            config=ManagerConfig(run_id="run-1", **config),
        )
        return self.manager

    async def start(self, risk: RiskSettings | None = None, **config: Any) -> OrderManager:
        manager = self.build(risk, **config)
        await manager.start()
        return manager

    async def send(self, *intents: OrderIntent) -> None:
        assert self.manager is not None
        for i in intents:
            self.bus.publish(topics.order_intent(i.strategy), i)
        await self.manager.idle()

    def orders(self) -> list[Order]:
        return [e for e in self.seen if isinstance(e, Order)]

    def fills(self) -> list[Fill]:
        return [e for e in self.seen if isinstance(e, Fill)]

    def system(self, kind: str | None = None) -> list[SystemEvent]:
        return [e for e in self.seen if isinstance(e, SystemEvent) and (kind is None or e.kind == kind)]

    def last(self, cid: str) -> Order:
        return [o for o in self.orders() if o.client_order_id == cid][-1]


def make_desk(broker: Broker | None = None, clock: ManualClock | None = None) -> Desk:
    clock = clock or ManualClock(T0)
    bus = InMemoryBus(clock)
    desk = Desk(
        clock=clock,
        bus=bus,
        broker=broker or paper_broker(clock),
        store=MemoryExecutionStore(),
        controls=MemoryControlStore(),
    )
    bus.subscribe(topics.EVERYTHING, desk.seen.append)
    return desk
