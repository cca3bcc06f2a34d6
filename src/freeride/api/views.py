"""Response bodies of the read API, converted from domain types at the edge.

Money (cash, prices and quantities of orders and fills, P&L) travels as a decimal **string** so no
client turns 0.1 into 0.1000000000000000055; market-data prices are floats, as in the core. Times
are nanoseconds since the epoch, UTC (``ts_event``), the same integers the bus and storage use.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from freeride.api.pages import Page, PageParams
from freeride.app.backtest_reports import BacktestReports
from freeride.app.live import LastPrice
from freeride.core.instruments import Instrument
from freeride.core.market import Bar
from freeride.core.orders import Fill, Order, Position, Signal
from freeride.core.slices import convert_in_slices
from freeride.core.snapshot import Snapshot
from freeride.core.system import SystemEvent
from freeride.exchange.portfolio import Portfolio
from freeride.ports.journal import JournalRecord
from freeride.ports.repositories import RunInfo


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class InstrumentOut(BaseModel):
    symbol: str
    asset_class: str
    quote_currency: str
    base_currency: str | None
    tick_size: str
    lot_size: str
    price_precision: int

    @classmethod
    def of(cls, i: Instrument) -> InstrumentOut:
        return cls(
            symbol=i.symbol,
            asset_class=i.asset_class.value,
            quote_currency=i.quote_currency,
            base_currency=i.base_currency,
            tick_size=str(i.tick_size),
            lot_size=str(i.lot_size),
            price_precision=i.price_precision,
        )


class QuoteOut(BaseModel):
    symbol: str
    price: float
    bid: float | None
    ask: float | None
    source: str
    ts_event: int

    @classmethod
    def of(cls, p: LastPrice) -> QuoteOut:
        return cls(symbol=p.symbol, price=p.price, bid=p.bid, ask=p.ask, source=p.source, ts_event=p.ts_event)

    @classmethod
    def of_snapshot(cls, symbol: str, s: Snapshot) -> QuoteOut:
        """A provider's answer through the gateway: ``source`` is ``gateway:<provider>``."""
        return cls(
            symbol=symbol,
            price=s.price,
            bid=s.bid,
            ask=s.ask,
            source=f"gateway:{s.provider}",
            ts_event=s.ts_event,
        )


class QuotesOut(BaseModel):
    quotes: list[QuoteOut]
    missing: list[str]


class BarOut(BaseModel):
    symbol: str
    interval: str
    open: float
    high: float
    low: float
    close: float
    volume: float
    ts_event: int

    @classmethod
    def of(cls, b: Bar) -> BarOut:
        return cls(
            symbol=b.symbol,
            interval=b.interval,
            open=b.open,
            high=b.high,
            low=b.low,
            close=b.close,
            volume=b.volume,
            ts_event=b.ts_event,
        )


class BarsPage(Page[BarOut]):
    """A page of bars, with where they came from: ``storage`` or ``gateway``."""

    source: str = "storage"

    @classmethod
    async def of_bars(cls, rows: Sequence[Bar], paging: PageParams, source: str) -> BarsPage:
        """The page of ``rows``, converted in slices (``core.slices``)."""
        return cls(
            items=await convert_in_slices(paging.cut(rows), BarOut.of),
            total=len(rows),
            limit=paging.limit,
            offset=paging.offset,
            source=source,
        )


class SignalOut(BaseModel):
    signal_id: str
    strategy: str
    symbol: str
    direction: str
    strength: float
    reason: str
    ts_event: int

    @classmethod
    def of(cls, s: Signal) -> SignalOut:
        return cls(
            signal_id=s.signal_id,
            strategy=s.strategy,
            symbol=s.symbol,
            direction=str(s.direction.value),
            strength=s.strength,
            reason=s.reason,
            ts_event=s.ts_event,
        )


class OrderOut(BaseModel):
    client_order_id: str
    broker_order_id: str | None
    strategy: str
    symbol: str
    side: str
    quantity: str
    order_type: str
    limit_price: str | None
    stop_price: str | None
    status: str
    filled_quantity: str
    avg_fill_price: str | None
    reason: str
    ts_event: int

    @classmethod
    def of(cls, o: Order) -> OrderOut:
        return cls(
            client_order_id=o.client_order_id,
            broker_order_id=o.broker_order_id,
            strategy=o.strategy,
            symbol=o.symbol,
            side=str(o.side.value),
            quantity=str(o.quantity),
            order_type=str(o.order_type.value),
            limit_price=_money(o.limit_price),
            stop_price=_money(o.stop_price),
            status=str(o.status.value),
            filled_quantity=str(o.filled_quantity),
            avg_fill_price=_money(o.avg_fill_price),
            reason=o.reason,
            ts_event=o.ts_event,
        )


class FillOut(BaseModel):
    fill_id: str
    client_order_id: str
    strategy: str
    symbol: str
    side: str
    quantity: str
    price: str
    commission: str
    ts_event: int

    @classmethod
    def of(cls, f: Fill) -> FillOut:
        return cls(
            fill_id=f.fill_id,
            client_order_id=f.client_order_id,
            strategy=f.strategy,
            symbol=f.symbol,
            side=str(f.side.value),
            quantity=str(f.quantity),
            price=str(f.price),
            commission=str(f.commission),
            ts_event=f.ts_event,
        )


class PositionOut(BaseModel):
    symbol: str
    quantity: str
    avg_price: str
    realized_pnl: str
    ts_event: int

    @classmethod
    def of(cls, p: Position) -> PositionOut:
        return cls(
            symbol=p.symbol,
            quantity=str(p.quantity),
            avg_price=str(p.avg_price),
            realized_pnl=str(p.realized_pnl),
            ts_event=p.ts_event,
        )


class AccountOut(BaseModel):
    """One live paper account: cash, equity and P&L per instrument it holds."""

    account: str
    currency: str
    cash: str
    equity: str
    pnl: dict[str, str]

    @classmethod
    def of(cls, name: str, p: Portfolio) -> AccountOut:
        symbols = set(p.holdings) | {name}
        return cls(
            account=name,
            currency=p.currency,
            cash=str(p.cash),
            equity=str(p.equity),
            pnl={s: str(p.pnl(s)) for s in sorted(symbols)},
        )


class SystemEventOut(BaseModel):
    """A journal entry; ``source`` is the component that reported it (also as ``component``)."""

    source: str
    kind: str
    level: str
    message: str
    data: dict[str, Any]
    ts_event: int
    ts_init: int | None = None
    id: int | None = None
    run_id: str | None = None
    component: str | None = None
    symbol: str | None = None
    correlation_id: str | None = None

    @classmethod
    def of(cls, e: SystemEvent) -> SystemEventOut:
        return cls(
            source=e.source,
            kind=e.kind,
            level=e.level.value,
            message=e.message,
            data=dict(e.data),
            ts_event=e.ts_event,
            ts_init=e.ts_init,
            component=e.source,
            symbol=e.symbol,
            correlation_id=e.correlation_id,
        )

    @classmethod
    def of_record(cls, r: JournalRecord) -> SystemEventOut:
        out = cls.of(r.event)
        out.id = r.id
        out.run_id = r.run_id
        return out


class RunOut(BaseModel):
    run_id: str
    name: str
    started_at: int
    finished_at: int | None
    summary: dict[str, Any] | None
    report: str | None = Field(description="where its HTML report is, for a finished backtest")

    @classmethod
    def of(cls, r: RunInfo) -> RunOut:
        return cls(
            run_id=r.run_id,
            name=r.name,
            started_at=r.started_at,
            finished_at=r.finished_at,
            summary=r.summary,
            report=f"/api/v1/backtests/{r.run_id}/report" if BacktestReports.available(r) else None,
        )
