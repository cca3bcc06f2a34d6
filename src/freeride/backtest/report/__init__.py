"""Reports of a run: one self-contained HTML file (open it offline), PNG charts, a JSON of every number."""

from freeride.backtest.report.build import write_report
from freeride.backtest.report.tables import monthly_returns

__all__ = ["monthly_returns", "write_report"]
