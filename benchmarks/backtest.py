"""Backtest speed and memory: freeride's event-driven and vectorised paths beside backtesting.py,
backtrader and vectorbt, on the same seeded 1,000,000-bar random walk, with the same rules.

Rules: SMA 10/30 crossover on close, hold +1 on a cross up and -1 on a cross down (a flip), fill
at the signal bar's close, 0.1 % commission. Each engine runs in a process of its own, so its peak
resident memory (``peak_mib``: the whole process, data included) is its own; speed is the best of
a few runs. The event-driven figure is ``freeride.backtest.run_event`` driving the very
``SmaCross`` strategy that trades live, through the simulated exchange the paper broker uses.
Then a 10 x 10 parameter sweep on the shipped GOOG bars: ``freeride`` on every core against
backtesting.py's ``optimize``. Peers that are not installed (``pip install -e '.[bench]'``) are
reported as null. The last line is one JSON object.

    python benchmarks/backtest.py [--bars N] [--skip backtrader,...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from _util import peak_mib

SEED = 20_240_601
FAST, SLOW = 10, 30
TARGET_EVENT, TARGET_VECTOR, TARGET_MIB = 1_000_000, 20_000_000, 250.0
PEERS = ("backtestingpy", "backtrader", "vectorbt")
ENGINES = ("freeride_event", "freeride_vector", "bare_python", "numpy", *PEERS)
SWEEP_FAST = list(range(2, 21, 2))
SWEEP_SLOW = list(range(25, 251, 25))


def random_walk(n: int) -> dict[str, np.ndarray[Any, Any]]:
    """Minute bars of a geometric random walk: open is the previous close, the range covers both."""
    rng = np.random.default_rng(SEED)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.0005, n)))
    open_ = np.concatenate(([100.0], close[:-1]))
    wiggle = np.abs(rng.normal(0.0, 0.0002, n))
    return {
        "ts": (1_600_000_000 + 60 * np.arange(n, dtype=np.int64)) * 1_000_000_000,
        "open": open_,
        "high": np.maximum(open_, close) * (1 + wiggle),
        "low": np.minimum(open_, close) * (1 - wiggle),
        "close": close,
        "volume": np.full(n, 1_000.0),
    }


def best_of(repeats: int, run: Any) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - start)
    return best, out


# -- one engine per process -------------------------------------------------------------------


def _freeride(n: int, engine: str) -> dict[str, Any]:
    from decimal import Decimal

    from freeride.backtest import BacktestSpec, run_event, run_vector
    from freeride.exchange.costs import PercentCommission
    from freeride.exchange.engine import FillTiming
    from freeride.strategies.directional import BarArrays

    bars = BarArrays(symbol="RW", interval="1m", **random_walk(n))
    spec = BacktestSpec(
        strategy="sma_cross",
        params={"fast": FAST, "slow": SLOW, "size": 1},
        fill_timing=FillTiming.CLOSE,
        commission=PercentCommission(Decimal("0.001")),
    )
    if engine == "freeride_event":
        seconds, result = best_of(3, lambda: run_event(spec, [bars]))
        return {"seconds": seconds, "trades": result.trades_opened, "equity": float(result.final_equity)}
    seconds, result = best_of(5, lambda: run_vector(spec, [bars], settle=False))
    settle_start = time.perf_counter()
    result.settle()  # the exact Decimal booking, done once a booked figure is asked for
    return {
        "seconds": seconds,
        "trades": result.trades_opened,
        "equity": float(result.final_equity),
        "settle_seconds": time.perf_counter() - settle_start,
    }


def _bare_python(n: int) -> dict[str, Any]:
    """The limit: one loop, running sums, no events, no objects, no Decimal."""
    close = random_walk(n)["close"].tolist()

    def run() -> int:
        fb, sb = [0.0] * FAST, [0.0] * SLOW
        fs = ss = 0.0
        pf = ps = float("nan")
        pos = trades = 0
        cash = 0.0
        for i, c in enumerate(close):
            fs += c - fb[i % FAST]
            fb[i % FAST] = c
            ss += c - sb[i % SLOW]
            sb[i % SLOW] = c
            f, s = fs / FAST, ss / SLOW
            if i >= SLOW - 1:
                tgt = 1 if pf < ps and f > s else -1 if pf > ps and f < s else pos
                if tgt != pos:
                    q = tgt - pos
                    cash -= q * c + abs(q) * c * 0.001
                    pos, trades = tgt, trades + 1
                pf, ps = f, s
        return trades

    seconds, trades = best_of(3, run)
    return {"seconds": seconds, "trades": trades}


def _numpy(n: int) -> dict[str, Any]:
    """Plain numpy: cumsum averages, crosses, positions, commission-adjusted equity."""
    close = random_walk(n)["close"]

    def run() -> int:
        c = np.concatenate(([0.0], np.cumsum(close)))
        f = np.full(n, np.nan)
        s = np.full(n, np.nan)
        f[FAST - 1 :] = (c[FAST:] - c[:-FAST]) / FAST
        s[SLOW - 1 :] = (c[SLOW:] - c[:-SLOW]) / SLOW
        up = np.zeros(n, bool)
        dn = np.zeros(n, bool)
        up[1:] = (f[:-1] < s[:-1]) & (f[1:] > s[1:])
        dn[1:] = (f[:-1] > s[:-1]) & (f[1:] < s[1:])
        sig = np.where(up, 1.0, np.where(dn, -1.0, np.nan))
        idx = np.where(~np.isnan(sig), np.arange(n), 0)
        pos = sig[np.maximum.accumulate(idx)]
        pos[np.isnan(pos)] = 0.0
        trade = np.diff(pos, prepend=0.0)
        cash = -np.cumsum(trade * close + np.abs(trade) * close * 0.001)
        _equity = cash + pos * close
        return int(np.count_nonzero(trade))

    seconds, trades = best_of(5, run)
    return {"seconds": seconds, "trades": trades}


def _frame(n: int) -> Any:
    import pandas as pd

    w = random_walk(n)
    index = pd.to_datetime(w["ts"], unit="ns")
    return pd.DataFrame(
        {"Open": w["open"], "High": w["high"], "Low": w["low"], "Close": w["close"], "Volume": w["volume"]},
        index=index,
    )


def _backtestingpy(n: int) -> dict[str, Any]:
    import pandas as pd
    from backtesting import Backtest, Strategy
    from backtesting.lib import crossover

    def sma(values: Any, window: int) -> Any:
        return pd.Series(values).rolling(window).mean().to_numpy()

    class SmaCross(Strategy):  # type: ignore[misc]
        def init(self) -> None:
            self.fast = self.I(sma, self.data.Close, FAST)
            self.slow = self.I(sma, self.data.Close, SLOW)

        def next(self) -> None:
            if crossover(self.fast, self.slow):
                self.position.close()
                self.buy(size=1)
            elif crossover(self.slow, self.fast):
                self.position.close()
                self.sell(size=1)

    frame = _frame(n)
    bt = Backtest(
        frame, SmaCross, cash=1_000_000, commission=0.001, trade_on_close=True, finalize_trades=True
    )
    start = time.perf_counter()
    stats = bt.run()
    return {"seconds": time.perf_counter() - start, "trades": int(stats["# Trades"])}


def _backtrader(n: int) -> dict[str, Any]:
    import backtrader as bt

    class SmaCross(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.cross = bt.indicators.CrossOver(bt.ind.SMA(period=FAST), bt.ind.SMA(period=SLOW))
            self.opened = 0

        def notify_trade(self, trade: Any) -> None:
            if trade.justopened:
                self.opened += 1

        def next(self) -> None:
            if self.cross > 0:
                self.order_target_size(target=1)
            elif self.cross < 0:
                self.order_target_size(target=-1)

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(bt.feeds.PandasData(dataname=_frame(n)))
    cerebro.addstrategy(SmaCross)
    cerebro.broker.setcash(1_000_000.0)
    cerebro.broker.setcommission(commission=0.001)
    cerebro.broker.set_coc(True)  # fill at the signal bar's close
    start = time.perf_counter()
    strategy = cerebro.run()[0]
    return {"seconds": time.perf_counter() - start, "trades": int(strategy.opened)}


def _vectorbt(n: int) -> dict[str, Any]:
    import pandas as pd
    import vectorbt as vbt

    close = pd.Series(random_walk(n)["close"])

    def run() -> Any:
        fast = vbt.MA.run(close, FAST)
        slow = vbt.MA.run(close, SLOW)
        return vbt.Portfolio.from_signals(
            close,
            entries=fast.ma_crossed_above(slow),
            exits=None,
            short_entries=fast.ma_crossed_below(slow),
            size=1,
            fees=0.001,
            init_cash=1_000_000,
        )

    run()  # JIT warm-up, not timed
    seconds, pf = best_of(3, run)
    return {"seconds": seconds, "trades": int(pf.positions.count())}


def _sweep(engine: str) -> dict[str, Any]:
    from freeride.adapters.replay import ReplaySource, load_source, shipped_path
    from freeride.app.backtest import to_arrays
    from freeride.backtest import BacktestSpec
    from freeride.backtest.sweep import ProcessRunner, expand
    from freeride.exchange.engine import FillTiming

    path = shipped_path("GOOG_daily.csv")
    if engine == "backtestingpy_sweep":
        import pandas as pd
        from backtesting import Backtest

        frame = pd.read_csv(path, index_col=0, parse_dates=True)
        bt = Backtest(
            frame, _bt_cross(), cash=100_000, commission=0.001, trade_on_close=True, finalize_trades=True
        )
        start = time.perf_counter()
        bt.optimize(fast=SWEEP_FAST, slow=SWEEP_SLOW, maximize="Sharpe Ratio")
        return {"seconds": time.perf_counter() - start}
    bars = [to_arrays(load_source(ReplaySource(path, "GOOG", "1d")))]
    base = BacktestSpec(strategy="sma_cross", params={"size": 50}, fill_timing=FillTiming.CLOSE)
    specs, _ = expand(base, {"fast": SWEEP_FAST, "slow": SWEEP_SLOW})
    start = time.perf_counter()  # the pool's start-up counts: a user waits for it too
    with ProcessRunner(bars, workers=2) as runner:
        runner.run(specs, engine.removeprefix("freeride_sweep_"))
    return {"seconds": time.perf_counter() - start}


def _bt_cross() -> Any:
    """backtesting.py's optimiser ships the strategy class to its (forked) workers by name, so it
    must be reachable as a module attribute."""
    import pandas as pd
    from backtesting import Strategy
    from backtesting.lib import crossover

    def sma(values: Any, window: int) -> Any:
        return pd.Series(values).rolling(window).mean().to_numpy()

    class BtCross(Strategy):  # type: ignore[misc]
        fast = 10
        slow = 30

        def init(self) -> None:
            self.f = self.I(sma, self.data.Close, self.fast)
            self.s = self.I(sma, self.data.Close, self.slow)

        def next(self) -> None:
            if crossover(self.f, self.s):
                self.position.close()
                self.buy(size=50)
            elif crossover(self.s, self.f):
                self.position.close()
                self.sell(size=50)

    BtCross.__qualname__ = BtCross.__name__ = "BtCross"
    globals()["BtCross"] = BtCross
    return BtCross


def child(engine: str, n: int) -> None:
    if engine.endswith("_sweep") or engine.startswith("freeride_sweep"):
        out = _sweep(engine)
    elif engine.startswith("freeride"):
        out = _freeride(n, engine)
    else:
        out = {"bare_python": _bare_python, "numpy": _numpy, "backtestingpy": _backtestingpy,
               "backtrader": _backtrader, "vectorbt": _vectorbt}[engine](n)  # fmt: skip
    out["peak_mib"] = peak_mib()
    print(json.dumps(out))


def measure(engine: str, n: int) -> dict[str, Any] | None:
    done = subprocess.run(
        [sys.executable, __file__, "--child", engine, "--bars", str(n)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        missing = "ModuleNotFoundError" in done.stderr
        print(f"{engine}: {'not installed' if missing else 'failed'}", file=sys.stderr)
        if not missing:
            print(done.stderr[-2000:], file=sys.stderr)
        return None
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--child")
    parser.add_argument("--skip", default="", help="comma-separated engines not to run")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.bars)
        return
    from rich.console import Console
    from rich.table import Table

    n = args.bars
    skip = set(filter(None, args.skip.split(",")))
    runs = {e: (None if e in skip else measure(e, n)) for e in ENGINES}
    sweeps = {e: (None if e in skip else measure(e, n)) for e in
              ("freeride_sweep_vector", "freeride_sweep_event", "backtestingpy_sweep")}  # fmt: skip

    def rate(e: str) -> float | None:
        r = runs.get(e)
        return None if r is None else n / r["seconds"]

    ours = runs["freeride_event"]
    assert ours is not None, "the freeride event-driven run failed"
    reference = ours["trades"]
    counts = {e: r["trades"] for e, r in runs.items() if r is not None}
    matched = all(abs(c - reference) <= 0.0005 * reference for c in counts.values() if c is not None)
    table = Table(
        title=f"SMA {FAST}/{SLOW} crossover, {n:,} random-walk bars (seed {SEED})", title_justify="left"
    )
    for column in ("engine", "bars/s", "trades", "peak MiB"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    for e, r in runs.items():
        cells = (
            ("–", "–", "–")
            if r is None
            else (f"{n / r['seconds']:,.0f}", f"{r['trades']:,}", f"{r['peak_mib']:.0f}")
        )
        table.add_row(e, *cells)
    for e, r in sweeps.items():
        table.add_row(e + " (10 x 10, GOOG)", "–" if r is None else f"{r['seconds']:.2f} s", "", "")
    Console(stderr=True).print(table)
    vector = runs["freeride_vector"]
    result = {
        "bars": n,
        "event_bars_per_s": round(n / ours["seconds"]),
        "vector_bars_per_s": rate("freeride_vector") and round(n / vector["seconds"]),  # type: ignore[index]
        "vector_settle_seconds": vector and round(vector["settle_seconds"], 4),
        "bare_python_bars_per_s": rate("bare_python") and round(rate("bare_python")),  # type: ignore[arg-type]
        "numpy_bars_per_s": rate("numpy") and round(rate("numpy")),  # type: ignore[arg-type]
        "backtestingpy_bars_per_s": rate("backtestingpy") and round(rate("backtestingpy")),  # type: ignore[arg-type]
        "backtrader_bars_per_s": rate("backtrader") and round(rate("backtrader")),  # type: ignore[arg-type]
        "vectorbt_bars_per_s": rate("vectorbt") and round(rate("vectorbt")),  # type: ignore[arg-type]
        "event_peak_mib": round(ours["peak_mib"], 1),
        "peak_mib": {e: r and round(r["peak_mib"], 1) for e, r in runs.items()},
        "trades": counts,
        "trades_match": matched,
        "final_equity": {"event": round(ours["equity"], 2), "vector": vector and round(vector["equity"], 2)},
        "sweep_seconds": {e: r and round(r["seconds"], 3) for e, r in sweeps.items()},
        "targets_met": {
            "event": n / ours["seconds"] >= TARGET_EVENT,
            "vector": vector is not None and n / vector["seconds"] >= TARGET_VECTOR,
            "memory": ours["peak_mib"] <= TARGET_MIB,
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
