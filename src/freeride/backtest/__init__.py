"""Backtesting: the simulated exchange driven by replayed bars, metrics, reports, sweeps.

``run_event`` replays bars through the very ``Strategy`` objects that trade live and the exchange
the paper broker uses; ``run_vector`` computes the same rules on whole arrays for speed. Both
return a ``BacktestResult``.
"""

from freeride.backtest.engine import run_event
from freeride.backtest.result import BacktestResult
from freeride.backtest.spec import BacktestSpec
from freeride.backtest.vector import run_vector

__all__ = ["BacktestResult", "BacktestSpec", "run_event", "run_vector"]
