"""The vectorised backtest: the strategy's rules on whole arrays, market orders filled in bulk.

It trades exactly what the event-driven path trades for the built-in strategies (the rules are
written once, see ``strategies.directional``): direction changes become orders, filled at the
signal bar's close or the next bar's open, with the same commission and price-impact models.
Cash and P&L are first computed in float for the curves; the ``Decimal`` booking of the fills
(``BacktestResult.settle``) runs them through the same ``Portfolio`` the exchange books into, so
the exact figures match the event path to the last digit. Limit and stop orders have no
vectorised form: strategies that use them run on the event path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from decimal import Decimal

import numpy as np

from freeride.backtest.fills import FillTable, FloatArray, IntArray
from freeride.backtest.result import BacktestResult, check_bars
from freeride.backtest.spec import BacktestSpec
from freeride.core.market import INTERVAL_SECONDS
from freeride.core.orders import Fill, Side, client_order_id
from freeride.exchange.engine import FillTiming
from freeride.exchange.portfolio import Portfolio, to_price
from freeride.strategies.directional import BarArrays, direction_changes
from freeride.strategies.registry import strategy_class
from freeride.strategies.sizing import SizedParams


class _Orders:
    """One symbol's fills: where, how much (float and, on demand, exact), at which bar price, and
    the bar of the signal that caused each."""

    def __init__(
        self,
        bar: IntArray,
        signal_bar: IntArray,
        qty: FloatArray,
        exact: Callable[[], list[Decimal]],
        base: FloatArray,
    ) -> None:
        self.bar = bar
        self.signal_bar = signal_bar
        self.qty = qty
        self.exact = exact
        self.base = base


def _orders(
    params: SizedParams, b: BarArrays, changes: tuple[IntArray, np.ndarray], timing: FillTiming
) -> _Orders:
    n = len(b)
    change, taken = changes
    dirs = taken.astype(np.int64)
    steps = np.diff(dirs, prepend=0)
    fixed = params.fixed_quantity
    if fixed is not None:
        qty = steps * float(fixed)
        exact_all: list[Decimal] | None = None
    else:  # notional sizing: the same Decimal arithmetic as the strategy, at the change bars only
        closes = b.close[change].tolist()
        targets = [d * params.quantity_at(c) for d, c in zip(dirs.tolist(), closes, strict=True)]
        exact_all = [t - p for t, p in zip(targets, [Decimal(0), *targets[:-1]], strict=True)]
        qty = np.array([float(x) for x in exact_all])
    keep = qty != 0
    if timing is FillTiming.CLOSE:
        fill_bar = change
        base = b.close
    else:  # the next bar's open; a signal on the last bar never fills
        fill_bar = change + 1
        keep &= fill_bar < n
        base = b.open
    kept = np.flatnonzero(keep)

    def exact() -> list[Decimal]:
        if exact_all is not None:
            return [exact_all[i] for i in kept.tolist()]
        assert fixed is not None
        return [Decimal(s) * fixed for s in steps[kept].tolist()]

    fill_bar = fill_bar[kept]
    return _Orders(fill_bar, change[kept], qty[kept], exact, base[fill_bar])


def run_vector(spec: BacktestSpec, bars: Sequence[BarArrays], settle: bool = True) -> BacktestResult:
    """Run ``spec`` over ``bars`` on arrays. ``settle=False`` defers the ``Decimal`` booking until a
    booked figure is first asked for (a sweep ranking by float metrics never needs it)."""
    check_bars(bars)
    params = spec.typed_params()
    cls = strategy_class(spec.strategy)
    started = time.perf_counter()
    per_symbol = [
        _orders(params, b, direction_changes(cls.vector_rules(params, b)), spec.fill_timing) for b in bars
    ]
    signals = sum(len(o.qty) for o in per_symbol)
    sym = np.concatenate([np.full(len(o.bar), k, dtype=np.int64) for k, o in enumerate(per_symbol)])
    bar = np.concatenate([o.bar for o in per_symbol])
    ts = np.concatenate([b.ts[o.bar] for b, o in zip(bars, per_symbol, strict=True)])
    qty = np.concatenate([o.qty for o in per_symbol])
    base = np.concatenate([o.base for o in per_symbol])
    order = np.lexsort((sym, ts)) if len(bars) > 1 else np.arange(len(ts))
    sym, bar, ts, qty, base = sym[order], bar[order], ts[order], qty[order], base[order]
    price = spec.impact.adjust_array(base, qty)
    table = FillTable(
        symbols=tuple(b.symbol for b in bars),
        sym=sym,
        bar=bar,
        ts=ts,
        qty=qty,
        price=price,
        commission=spec.commission.charge_array(np.abs(qty), price),
    )
    signal_ts = np.concatenate([b.ts[o.signal_bar] for b, o in zip(bars, per_symbol, strict=True)])

    def book() -> tuple[list[Fill], Portfolio]:
        exact = [q for o in per_symbol for q in o.exact()]
        return _settle(spec, bars, table, base, [exact[i] for i in order.tolist()], signal_ts[order])

    result = BacktestResult(
        engine="vector",
        spec=spec,
        bars=tuple(bars),
        table=table,
        fills=None,
        portfolio=None,
        signals=signals,
        wall_seconds=0.0,
        settle=book,
    )
    if settle:
        result.settle()
    result.wall_seconds = time.perf_counter() - started
    return result


def _settle(
    spec: BacktestSpec,
    bars: Sequence[BarArrays],
    table: FillTable,
    base: FloatArray,
    quantities: list[Decimal],
    signal_ts: IntArray,
) -> tuple[list[Fill], Portfolio]:
    """Book every fill in ``Decimal`` exactly as the exchange does, and build the ``Fill`` events."""
    portfolio = Portfolio(cash=spec.cash, currency=spec.currency)
    steps = [INTERVAL_SECONDS.get(b.interval, 0) * 1_000_000_000 for b in bars]  # fills are known at bar end
    impact = spec.impact
    commission = spec.commission
    fills: list[Fill] = []
    for seq, (k, ts, raw, signed, sig_ts) in enumerate(
        zip(
            table.sym.tolist(), table.ts.tolist(), base.tolist(), quantities, signal_ts.tolist(), strict=True
        ),
        start=1,
    ):
        symbol = table.symbols[k]
        side = Side.BUY if signed > 0 else Side.SELL
        price = impact.adjust(to_price(raw), side.sign)
        quantity = abs(signed)
        fee = commission.charge(quantity, price)
        portfolio.book_fill(symbol, signed, price, fee)
        strategy = f"{spec.strategy}:{symbol}"
        broker_id = f"backtest-{seq}"
        fills.append(
            Fill(
                fill_id=f"{broker_id}-1",
                client_order_id=client_order_id(strategy, f"{strategy}:{symbol}:{sig_ts}", 0),
                broker_order_id=broker_id,
                strategy=strategy,
                symbol=symbol,
                side=side,
                quantity=quantity,
                price=price,
                commission=fee,
                ts_event=ts,
                ts_init=ts + steps[k],
            )
        )
    for b in bars:  # marked at the last close, as the exchange leaves it after the last bar
        portfolio.mark(b.symbol, float(b.close[-1]))
    return fills, portfolio
