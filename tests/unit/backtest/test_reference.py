"""The issue's reference figures, reproduced to the cent by both paths.

Rules: SMA 10/30 on close, cross up → hold +N, cross down → hold −N (or flat, long only), fill at
the signal bar's close, 0.1 % commission, open position marked at the last close. A trade is a
position opened (a flip opens one).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from freeride.backtest import BacktestSpec, run_event, run_vector
from freeride.exchange.costs import PercentCommission
from freeride.exchange.engine import FillTiming
from freeride.strategies.directional import BarArrays

CENT = Decimal("0.01")


def spec(size: int, allow_short: bool = True) -> BacktestSpec:
    return BacktestSpec(
        strategy="sma_cross",
        params={"fast": 10, "slow": 30, "size": size, "allow_short": allow_short},
        cash=Decimal(100_000),
        fill_timing=FillTiming.CLOSE,
        commission=PercentCommission(Decimal("0.001")),
    )


@pytest.mark.parametrize("run", [run_event, run_vector], ids=["event", "vector"])
@pytest.mark.parametrize(
    ("data", "size", "trades", "equity"),
    [("goog", 50, 66, "147449.53"), ("eurusd", 10_000, 167, "95980.23")],
)
def test_reference_figures(
    request: pytest.FixtureRequest, run: object, data: str, size: int, trades: int, equity: str
) -> None:
    bars: BarArrays = request.getfixturevalue(data)
    result = run(spec(size), [bars])  # type: ignore[operator]
    assert result.trades_opened == trades
    assert result.final_equity.quantize(CENT) == Decimal(equity)
    assert result.summary()["final_equity"] == float(equity)
    assert result.final_equity_float == pytest.approx(float(result.final_equity), abs=1e-6)


@pytest.mark.parametrize("data", ["goog", "eurusd"])
def test_both_paths_book_identical_fills(request: pytest.FixtureRequest, data: str) -> None:
    bars: BarArrays = request.getfixturevalue(data)
    for allow_short in (True, False):
        s = spec(50 if data == "goog" else 10_000, allow_short)
        event, vector = run_event(s, [bars]), run_vector(s, [bars])
        assert event.fills == vector.fills
        assert event.final_equity == vector.final_equity
        assert event.final_cash == vector.final_cash


def test_long_only_exits_on_the_cross_down(goog: BarArrays) -> None:
    result = run_event(spec(50, allow_short=False), [goog])
    positions = [t.side for t in result.trades]
    assert set(positions) == {"long"}
    assert result.trades_opened == 33  # every other cross opens: half of 66
    assert result.final_equity.quantize(CENT) == Decimal("139399.25")
