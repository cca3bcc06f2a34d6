"""Signal → order accepted by the paper broker, with every risk check on and every order persisted.

What is measured: a strategy's order intent published on the bus, through the order manager
(de-duplication, halts, seven risk limits, the write to SQLite that must commit before the order
is sent, the send, the acknowledgement merged, published and written behind) to the paper broker's
acceptance. The issue names no peer, so the figure stands beside the bare paper broker: the same
orders handed straight to ``PaperBroker.submit``, which is what the order manager adds its work to.
Our overhead is the difference.

- latency: one order at a time (publish, wait for the ``accepted`` update), p50 and p99;
- throughput: ``--orders`` intents published at once and drained, orders/s sustained;
- both with the SQLite stores (production) and with the in-memory stores (the manager alone).

Limit orders that rest (buy 90 with the ask at 100) over 50 symbols, so each is accepted and none
fills: the path ends at the broker's acceptance. Best of ``--repeats`` runs (the machine is shared).
The last line is one JSON object.

    python benchmarks/execution.py [--orders 20000] [--latency-orders 3000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rich.console import Console
from rich.table import Table

from _util import peak_mib
from freeride.adapters.paper.broker import PaperBroker
from freeride.app.execution import WRITE_LINGER_S
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.risk import RiskSettings
from freeride.core.clock import LiveClock
from freeride.core.market import Quote
from freeride.core.orders import Order, OrderIntent, OrderStatus, OrderType, Side, client_order_id
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import ExchangeConfig, SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.execution.manager import ManagerConfig, OrderManager
from freeride.execution.memory import MemoryControlStore, MemoryExecutionStore
from freeride.execution.risk import RiskManager
from freeride.storage.engine import create_engine
from freeride.storage.execution import SqlControlStore, SqlExecutionStore
from freeride.storage.migrate import upgrade_engine

SYMBOLS = [f"S{i:02d}" for i in range(50)]
TARGET_RATE, TARGET_P99_MS = 5_000, 2.0


def risk_settings() -> RiskSettings:
    """Every limit set, none binding: the checks run in full for every order."""
    return RiskSettings(
        allowed_instruments=SYMBOLS,
        max_position=Decimal(10**9),
        max_gross_exposure=Decimal(10**15),
        max_order_notional=Decimal(10**9),
        max_orders_per_minute=10**9,
        max_daily_loss=Decimal(10**9),
        trading_hours="00:00-23:59:59.999999",
        trading_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        timezone="UTC",
    )


def intents(n: int, tag: str, clock: LiveClock) -> list[OrderIntent]:
    now = clock.now_ns()
    return [
        OrderIntent(
            client_order_id=client_order_id("bench", f"{tag}-{i}"),
            strategy="bench",
            signal_id=f"{tag}-{i}",
            symbol=SYMBOLS[i % len(SYMBOLS)],
            side=Side.BUY,
            quantity=Decimal(1),
            order_type=OrderType.LIMIT,
            limit_price=Decimal(90),
            ts_event=now,
            ts_init=now,
        )
        for i in range(n)
    ]


def paper(clock: LiveClock) -> PaperBroker:
    exchange = SimulatedExchange(
        Portfolio(cash=Decimal(10**12)),
        ExchangeConfig(commission=PercentCommission(Decimal(0)), account_updates=False),
    )
    broker = PaperBroker(exchange, clock)
    now = clock.now_ns()
    for s in SYMBOLS:
        broker.on_quote(Quote(symbol=s, bid=99.0, ask=100.0, ts_event=now, ts_init=now))
    return broker


class Desk:
    def __init__(self, sql: bool, db: Path) -> None:
        self.sql = sql
        self.db = db
        self.clock = LiveClock()
        self.bus = InMemoryBus(self.clock)
        self.broker = paper(self.clock)
        self.sent_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.accepted = 0
        self.bus.subscribe(topics.ALL_ORDER_UPDATES, self._on_order)

    def _on_order(self, order: Order) -> None:
        if order.status is OrderStatus.ACCEPTED:
            self.accepted += 1
            start = self.sent_at.pop(order.client_order_id, None)
            if start is not None:
                self.latencies.append(time.perf_counter() - start)

    async def __aenter__(self) -> OrderManager:
        if self.sql:
            self.engine = create_engine(f"sqlite+aiosqlite:///{self.db}")
            await upgrade_engine(self.engine)
            store, controls = (
                SqlExecutionStore(self.engine, self.clock.now_ns()),
                SqlControlStore(self.engine),
            )
        else:
            store, controls = MemoryExecutionStore(), MemoryControlStore()  # type: ignore[assignment]
        self.manager = OrderManager(
            self.bus,
            self.clock,
            brokers={},
            default_broker=self.broker,
            store=store,
            controls=controls,
            risk=RiskManager(risk_settings()),
            config=ManagerConfig(
                run_id=f"bench-{self.db.stem}",
                queue_size=200_000,
                watch_controls=False,
                write_linger_s=WRITE_LINGER_S,
            ),
        )
        now = self.clock.now_ns()
        for s in SYMBOLS:  # marks for the notional checks, as the gateway's quotes would set them
            self.bus.publish(topics.quote(s), Quote(symbol=s, bid=99.0, ask=100.0, ts_event=now, ts_init=now))
        await self.manager.start()
        return self.manager

    async def __aexit__(self, *exc: object) -> None:
        await self.manager.stop()
        if self.sql:
            await self.engine.dispose()


async def latency(sql: bool, n: int, db: Path) -> list[float]:
    desk = Desk(sql, db)
    async with desk as manager:
        publish, queue = desk.bus.publish, manager.queue
        for intent in intents(n, "lat", desk.clock):
            desk.sent_at[intent.client_order_id] = time.perf_counter()
            publish("order.intent.bench", intent)
            await queue.wait_idle()
        await manager.idle()
    assert len(desk.latencies) == n, (len(desk.latencies), n)
    return desk.latencies


async def throughput(sql: bool, n: int, db: Path) -> float:
    desk = Desk(sql, db)
    batch = intents(n, "tput", desk.clock)
    async with desk as manager:
        publish = desk.bus.publish
        gc.collect()
        start = time.perf_counter()
        for intent in batch:
            publish("order.intent.bench", intent)
        await manager.queue.wait_idle()
        elapsed = time.perf_counter() - start
        await manager.idle()
    assert desk.accepted == n, (desk.accepted, n)
    return n / elapsed


async def bare(n: int) -> tuple[list[float], float]:
    clock = LiveClock()
    broker = paper(clock)
    now = clock.now_ns()
    orders = [
        Order(
            client_order_id=i.client_order_id,
            strategy=i.strategy,
            symbol=i.symbol,
            side=i.side,
            quantity=i.quantity,
            order_type=i.order_type,
            limit_price=i.limit_price,
            status=OrderStatus.PENDING_NEW,
            ts_event=now,
            ts_init=now,
        )
        for i in intents(n, "bare", clock)
    ]
    submit = broker.submit
    lat: list[float] = []
    start = time.perf_counter()
    for order in orders:
        t = time.perf_counter()
        await submit(order)
        lat.append(time.perf_counter() - t)
    return lat, n / (time.perf_counter() - start)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--latency-orders", type=int, default=3_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            for name, sql in (("sqlite", True), ("memory", False)):
                lat = await latency(sql, args.latency_orders, Path(tmp) / f"lat-{name}-{r}.db")
                rate = await throughput(sql, args.orders, Path(tmp) / f"tput-{name}-{r}.db")
                best = results.setdefault(name, {"rate": 0.0, "p50": 1e9, "p99": 1e9})
                best["rate"] = max(best["rate"], rate)
                if pct(lat, 0.99) < best["p99"]:
                    best["p50"], best["p99"] = pct(lat, 0.5), pct(lat, 0.99)
            bare_lat, bare_rate = await bare(args.orders)
            b = results.setdefault("bare", {"rate": 0.0, "p50": 1e9, "p99": 1e9})
            b["rate"] = max(b["rate"], bare_rate)
            if pct(bare_lat, 0.99) < b["p99"]:
                b["p50"], b["p99"] = pct(bare_lat, 0.5), pct(bare_lat, 0.99)

    sql, mem, b = results["sqlite"], results["memory"], results["bare"]
    table = Table(title=f"signal → accepted, risk on, best of {args.repeats} (latency: one at a time)")
    for column in ("path", "orders/s", "p50 ms", "p99 ms"):
        table.add_column(column, justify="right" if column != "path" else "left")
    table.add_row(
        "order manager + risk + SQLite (production)",
        f"{sql['rate']:,.0f}",
        f"{sql['p50']:.3f}",
        f"{sql['p99']:.3f}",
    )
    table.add_row(
        "order manager + risk, in-memory stores",
        f"{mem['rate']:,.0f}",
        f"{mem['p50']:.3f}",
        f"{mem['p99']:.3f}",
    )
    table.add_row(
        "bare PaperBroker.submit (the floor)", f"{b['rate']:,.0f}", f"{b['p50']:.3f}", f"{b['p99']:.3f}"
    )
    Console().print(table)
    overhead_p99 = sql["p99"] - b["p99"]
    verdict = "meets" if sql["rate"] >= TARGET_RATE and overhead_p99 < TARGET_P99_MS else "MISSES"
    print(
        f"our overhead over the bare broker: p50 {sql['p50'] - b['p50']:.3f} ms, p99 {overhead_p99:.3f} ms; "
        f"{sql['rate']:,.0f} orders/s ({verdict} ≥ {TARGET_RATE:,}/s and p99 < {TARGET_P99_MS} ms)"
    )
    print(
        json.dumps(
            {
                "orders_per_s": round(sql["rate"]),
                "order_p50_ms": round(sql["p50"], 3),
                "order_p99_ms": round(sql["p99"], 3),
                "overhead_p50_ms": round(sql["p50"] - b["p50"], 3),
                "overhead_p99_ms": round(overhead_p99, 3),
                "memory_store_orders_per_s": round(mem["rate"]),
                "memory_store_p99_ms": round(mem["p99"], 3),
                "bare_submit_per_s": round(b["rate"]),
                "bare_submit_p99_ms": round(b["p99"], 4),
                "peak_mib": round(peak_mib(), 1),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
