"""What a restarted live service carries over: the paper account, the strategies' positions, warm-up.

**The paper account continues.** Its ledger (orders, fills, positions) is stored under one id per
account, ``live-paper-<execution.account>``, the same on every start; the account's opening cash
and currency are kept on that ledger's run record. On start the simulated exchange is rebuilt by
booking every stored fill in order (cash, positions, average prices and commission come out
exactly as they went in) and by putting the orders that were still open back on its book, so the
order manager's reconciliation finds the broker agreeing with the store. ``--fresh`` moves the
old ledger aside under ``<ledger>@<UTC time>`` (kept, listed by ``freeride runs``) and opens a new
account.

**Strategies know where they stand.** Each sleeve's strategy is told its position and the
quantity still in flight from the ledger's fills and open orders (for every broker, not only
paper), so a restart does not buy again what it already holds.

**Strategies start warm.** Each is fed its recent bars, from storage and, where storage has too
few, from history asked of the market-data gateway, without acting on them; so a restarted
service decides on its next bar instead of waiting out its slowest indicator's window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from freeride.adapters.paper.broker import PaperBroker
from freeride.app.sleeves import paper_exchange
from freeride.config.settings import Settings
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import FreerideError, InvalidInput
from freeride.core.instruments import parse_instrument
from freeride.core.market import INTERVAL_SECONDS, Bar
from freeride.core.orders import Fill, Order, Side
from freeride.execution.strategy_host import StrategyHost
from freeride.gateway.service import MarketDataGateway
from freeride.storage.execution import SqlExecutionStore
from freeride.storage.repositories import BarRepository, RunRepository

log = structlog.get_logger(__name__)

PAPER_ACCOUNT = "paper-account"  # the name on a paper ledger's run record
ZERO = Decimal(0)


@dataclass
class Ledger:
    """What the store holds of one ledger: every fill in order and the orders still open."""

    run_id: str
    fills: list[Fill] = field(default_factory=list)
    open_orders: list[Order] = field(default_factory=list)

    def positions_of(self, strategy: str) -> dict[str, Decimal]:
        held: dict[str, Decimal] = {}
        for fill in self.fills:
            if fill.strategy == strategy:
                held[fill.symbol] = held.get(fill.symbol, ZERO) + fill.signed_quantity
        return held

    def in_flight_of(self, strategy: str) -> dict[str, Decimal]:
        flying: dict[str, Decimal] = {}
        for order in self.open_orders:
            if order.strategy == strategy:
                left = order.quantity - order.filled_quantity
                signed = left if order.side is Side.BUY else -left
                flying[order.symbol] = flying.get(order.symbol, ZERO) + signed
        return flying


async def read_ledger(engine: AsyncEngine, run_id: str) -> Ledger:
    store = SqlExecutionStore(engine)
    return Ledger(
        run_id=run_id, fills=await store.all_fills(run_id), open_orders=await store.open_orders(run_id)
    )


@dataclass
class PaperAccount:
    broker: PaperBroker
    ledger: Ledger
    opened_ns: int
    continued: bool  # False: a new account (first start, or --fresh)
    archived_as: str | None = None


PAPER_CURRENCY = "USD"


def check_paper_currency(settings: Settings) -> None:
    """A live paper account books in one currency; a sleeve quoted in another would add yen to
    dollars. Refused before anything starts, naming the sleeves."""
    other = [
        s.name
        for s in settings.trading_sleeves()
        if parse_instrument(s.symbol).quote_currency != PAPER_CURRENCY
    ]
    if other:
        raise InvalidInput(
            f"the live paper account books in {PAPER_CURRENCY}, and {', '.join(other)} "
            f"{'is' if len(other) == 1 else 'are'} quoted in another currency; trade pairs quoted in "
            f"{PAPER_CURRENCY} (EUR/USD, GBP/USD, AUD/USD, NZD/USD) live on paper, and the others in "
            "freeride run, where each instrument has an account in its own currency"
        )


async def open_paper_account(
    engine: AsyncEngine, settings: Settings, clock: Clock, *, fresh: bool = False
) -> PaperAccount:
    """The paper broker of ``execution.account``, continuing its stored ledger (see the module)."""
    check_paper_currency(settings)
    ledger_id = settings.execution.run_id()
    runs = RunRepository(engine)
    record = await runs.get(ledger_id)
    archived_as = None
    now = clock.now_ns()
    if fresh and record is not None and await SqlExecutionStore(engine).has_orders(ledger_id):
        archived_as = f"{ledger_id}@{datetime.fromtimestamp(now / NS_PER_SECOND, UTC):%Y%m%dT%H%M%SZ}"
        await runs.archive(ledger_id, archived_as)
        record = None
    account = (record.config.get("paper") if record is not None else None) or {}
    continued = bool(account)
    if not continued:
        account = {
            "starting_cash": str(settings.run.starting_cash),
            "currency": PAPER_CURRENCY,
            "commission_rate": str(settings.run.commission_rate),
        }
        await runs.begin(ledger_id, name=PAPER_ACCOUNT, config={"paper": account}, started_at=now)
    opened = record.started_at if record is not None and continued else now
    exchange = paper_exchange(
        settings.execution.account,
        str(account["currency"]),
        Decimal(str(account["starting_cash"])),
        Decimal(str(account["commission_rate"])),
    )
    ledger = await read_ledger(engine, ledger_id)
    portfolio = exchange.portfolio
    for fill in ledger.fills:
        portfolio.book_fill(fill.symbol, fill.signed_quantity, fill.price, fill.commission)
        portfolio.mark(fill.symbol, fill.price)  # the last price seen until quotes arrive
    exchange.used_ids(f.broker_order_id for f in ledger.fills)
    fills_of: dict[str, int] = {}
    for fill in ledger.fills:
        fills_of[fill.client_order_id] = fills_of.get(fill.client_order_id, 0) + 1
    for order in ledger.open_orders:
        exchange.restore(order, fills_of.get(order.client_order_id, 0))
    if ledger.fills or ledger.open_orders:
        log.info(
            "paper.continued",
            ledger=ledger_id,
            fills=len(ledger.fills),
            open_orders=len(ledger.open_orders),
            cash=str(portfolio.cash),
        )
    return PaperAccount(
        broker=PaperBroker(exchange, clock, name="paper"),
        ledger=ledger,
        opened_ns=opened,
        continued=continued,
        archived_as=archived_as,
    )


def resume_strategies(hosts: Sequence[StrategyHost], ledger: Ledger) -> None:
    """Tell each strategy its position and in-flight quantity from the ledger."""
    for host in hosts:
        strategy = host.strategy
        strategy.resume(ledger.positions_of(strategy.id), ledger.in_flight_of(strategy.id))


@dataclass
class WarmUp:
    """How each strategy was warmed: bars from storage and from the gateway, by strategy id."""

    stored: dict[str, int] = field(default_factory=dict)
    fetched: dict[str, int] = field(default_factory=dict)
    short: dict[str, str] = field(default_factory=dict)  # strategy id → why it has fewer than needed


async def warm_up(
    hosts: Sequence[StrategyHost],
    engine: AsyncEngine,
    clock: Clock,
    gateway: MarketDataGateway | None,
) -> WarmUp:
    """Feed each strategy the bars it needs before ``now`` (storage first, then the gateway)."""
    report = WarmUp()
    stored = BarRepository(engine)
    now = clock.now_ns()
    for host in hosts:
        strategy, interval = host.strategy, host.interval
        needed = strategy.history_needed()
        if not needed or interval is None:
            continue
        symbol = strategy.symbols[0]
        bars = await _stored_bars(stored, symbol, interval, needed, now)
        report.stored[strategy.id] = len(bars)
        if len(bars) < needed and gateway is not None:
            fetched = await _fetched_bars(gateway, symbol, interval, needed, now, report, strategy.id)
            have = {b.ts_event for b in bars}
            extra = [b for b in fetched if b.ts_event not in have]
            bars = sorted([*bars, *extra], key=lambda b: b.ts_event)[-needed:]
            report.fetched[strategy.id] = sum(1 for b in bars if b.ts_event not in have)
        if len(bars) < needed:
            report.short.setdefault(strategy.id, f"{len(bars)} of {needed} bars available")
        host.warmed_bars = strategy.warm_up(bars)
    return report


def lookback_ns(interval: str, needed: int) -> int:
    """How far back ``needed`` bars reach at most: markets close at night, at weekends and on
    holidays, so intraday bars look back four days more than the bars themselves span, daily
    bars half as long again plus ten days."""
    span = INTERVAL_SECONDS[interval] * NS_PER_SECOND
    if INTERVAL_SECONDS[interval] < 86_400:
        return span * needed * 2 + 4 * 86_400 * NS_PER_SECOND
    return span * (needed * 3 // 2 + 10)


async def _stored_bars(repo: BarRepository, symbol: str, interval: str, needed: int, now: int) -> list[Bar]:
    span = INTERVAL_SECONDS[interval] * NS_PER_SECOND
    found = await repo.query(symbol, interval, now - lookback_ns(interval, needed), now)
    return [b for b in found if b.ts_event + span <= now][-needed:]


async def _fetched_bars(
    gateway: MarketDataGateway,
    symbol: str,
    interval: str,
    needed: int,
    now: int,
    report: WarmUp,
    strategy_id: str,
) -> list[Bar]:
    span = INTERVAL_SECONDS[interval] * NS_PER_SECOND
    try:
        bars = await gateway.bars(
            parse_instrument(symbol), interval, now - lookback_ns(interval, needed), now
        )
    except FreerideError as exc:
        report.short[strategy_id] = f"history unavailable: {exc}"
        return []
    return [b for b in bars if b.ts_event + span <= now]
