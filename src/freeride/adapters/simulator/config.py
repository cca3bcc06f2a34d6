"""What the simulator simulates: volatility, jumps and spreads per asset class, and the seed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimulatorConfig:
    """Defaults are ordinary markets: 30 %/yr for a stock, 8 %/yr for a major pair, a few jumps a year.

    ``session_*`` is the stock session in UTC minutes after midnight (14:30–21:00, New York hours
    outside daylight saving); forex trades around the clock on weekdays.
    """

    seed: int = 7
    stock_vol: float = 0.30
    fx_vol: float = 0.08
    reversion_half_life_years: float = 2.0
    jumps_per_year: float = 6.0
    jump_std: float = 0.035
    stock_spread_bps: float = 2.0
    fx_spread_pips: float = 0.8
    session_open_min: int = 870
    session_minutes: int = 390
    quote_interval_s: float = 1.0
