"""The event-driven backtest: bars replayed one at a time through live ``Strategy`` objects and the
simulated exchange the paper broker uses.

Per bar the loop builds the ``Bar`` event (lazily, from columns: a million ``Bar`` structs held at
once would cost hundreds of MiB), lets the exchange fill what waits for it (a dict test when
nothing does), then calls the strategy. Orders the strategy places reach the exchange at once;
what the exchange answers is delivered after ``on_bar`` returns, as the bus would. The cyclic
garbage collector rests while the bars run.
"""

from __future__ import annotations

import gc
import heapq
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import Any

from freeride.backtest.context import BacktestContext
from freeride.backtest.fills import table_from_fills
from freeride.backtest.result import BacktestResult, check_bars
from freeride.backtest.spec import BacktestSpec
from freeride.core.market import INTERVAL_SECONDS, Bar
from freeride.exchange.engine import SimulatedExchange
from freeride.exchange.portfolio import Portfolio
from freeride.strategies.directional import BarArrays
from freeride.strategies.registry import build_strategy

Progress = Callable[[int, int], None]
NS = 1_000_000_000


def run_event(
    spec: BacktestSpec,
    bars: Sequence[BarArrays],
    progress: Progress | None = None,
    progress_every: int = 50_000,
    trade_from: int = 0,
) -> BacktestResult:
    """Run ``spec`` over ``bars`` (one ``BarArrays`` per symbol, one strategy instance each, one
    shared portfolio). ``progress(done, total)`` is called every ``progress_every`` bars.

    Bars before ``trade_from`` (ns) only warm the strategy up: its orders then are refused.
    """
    check_bars(bars)
    params = spec.typed_params()
    started = time.perf_counter()
    portfolio = Portfolio(cash=spec.cash, currency=spec.currency)
    exchange = SimulatedExchange(portfolio, spec.exchange_config())
    ctx = BacktestContext(exchange, trade_from)
    strategies = {}
    for b in bars:
        strategy = build_strategy(spec.strategy, f"{spec.strategy}:{b.symbol}", b.symbol, params)
        ctx.register(strategy)
        strategies[b.symbol] = strategy
    total = sum(len(b) for b in bars)
    with _collector_paused():
        if len(bars) == 1:
            _single(bars[0], ctx, strategies[bars[0].symbol].on_bar, progress, progress_every)
        else:
            _merged(bars, ctx, {s: st.on_bar for s, st in strategies.items()}, progress, progress_every)
    ctx.close()
    if progress is not None:
        progress(total, total)
    return BacktestResult(
        engine="event",
        spec=spec,
        bars=tuple(bars),
        table=table_from_fills(ctx.fills, bars),
        fills=ctx.fills,
        portfolio=portfolio,
        signals=ctx.signals,
        wall_seconds=time.perf_counter() - started,
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the bars run; the collector as it was afterwards.

    The loop makes no reference cycles, but the orders and fills it keeps are tracked objects:
    with the collector on, they trigger collections that walk them again and again. They are
    long-lived (the run's result), so on the way out they join the oldest generation directly
    (``freeze`` then ``unfreeze``: two list splices) rather than being walked by the next young
    collection; not when something else in the process keeps objects frozen. Only a caller that
    found the collector on turns it back on, so nested or concurrent runs cannot leave it off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _single(
    b: BarArrays,
    ctx: BacktestContext,
    on_bar: Callable[[Bar], None],
    progress: Progress | None,
    every: int,
) -> None:
    symbol = b.symbol
    interval = b.interval
    step = INTERVAL_SECONDS.get(interval, 0) * NS
    exchange_bar = ctx.exchange.on_bar
    # the exchange's own path, inlined: match only when orders wait; the exchange learns the bar
    # from the context when an order comes, and the last one when the run ends
    waiting = ctx.exchange.waiting
    deliver = ctx.deliver
    drain = ctx.drain
    queue = ctx.queue
    make = Bar
    n = len(b)
    columns = [_column(c) for c in (b.ts, b.open, b.high, b.low, b.close, b.volume)]
    for start in range(0, n, every):
        stop = min(n, start + every)
        rows = zip(*(c[start:stop] for c in columns), strict=True)
        for ts, o, h, lo, c, v in rows:
            now = ts + step  # a bar is known when it has closed
            bar = make(
                symbol=symbol,
                interval=interval,
                open=o,
                high=h,
                low=lo,
                close=c,
                volume=v,
                ts_event=ts,
                ts_init=now,
            )
            ctx.bar = bar
            if waiting:
                filled = exchange_bar(bar, now)
                if filled:
                    deliver(filled)
            on_bar(bar)
            if queue:
                drain()
        if progress is not None and stop < n:
            progress(stop, n)
    if ctx.bar is not None:
        ctx.exchange.last_bars[symbol] = ctx.bar


def _column(values: object) -> memoryview[Any]:
    """A column as a memoryview in the platform's own format. Arrays rebuilt by some serialisers
    (Dask's, on a worker) export ``=q``, a format a memoryview cannot slice: those are recast."""
    view = memoryview(values)  # type: ignore[arg-type]
    if len(view.format) == 2 and view.format[0] in _NATIVE_ORDER:
        native: memoryview[Any] = view.cast("B").cast(view.format[1])  # type: ignore[call-overload]
        return native
    return view


_NATIVE_ORDER = "=@" + ("<" if sys.byteorder == "little" else ">")


def _merged(
    bars: Sequence[BarArrays],
    ctx: BacktestContext,
    on_bar: dict[str, Callable[[Bar], None]],
    progress: Progress | None,
    every: int,
) -> None:
    """Several symbols in time order (equal times in the order the symbols were given)."""
    exchange_bar = ctx.exchange.on_bar
    total = sum(len(b) for b in bars)
    steps = [INTERVAL_SECONDS.get(b.interval, 0) * NS for b in bars]
    for done, (ts, k, i) in enumerate(_merge(bars), start=1):
        b = bars[k]
        now = ts + steps[k]
        bar = Bar(
            symbol=b.symbol,
            interval=b.interval,
            open=float(b.open[i]),
            high=float(b.high[i]),
            low=float(b.low[i]),
            close=float(b.close[i]),
            volume=float(b.volume[i]),
            ts_event=ts,
            ts_init=now,
        )
        ctx.bar = bar
        filled = exchange_bar(bar, now)
        if filled:
            ctx.deliver(filled)
        on_bar[b.symbol](bar)
        if ctx.queue:
            ctx.drain()
        if progress is not None and done % every == 0:
            progress(done, total)


def _merge(bars: Sequence[BarArrays]) -> Iterator[tuple[int, int, int]]:
    return heapq.merge(
        *(zip(b.ts.tolist(), repeat(k), range(len(b)), strict=False) for k, b in enumerate(bars))
    )
