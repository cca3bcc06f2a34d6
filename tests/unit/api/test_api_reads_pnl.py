"""``api.reads.realized_since``: the P&L ``/pnl`` shows, booked through the paper account's arithmetic."""

from __future__ import annotations

from decimal import Decimal

from freeride.api.reads import realized_since
from freeride.core.orders import Fill, Side


def fill(n: int, side: Side, qty: int, price: str, ts: int, symbol: str = "GOOG") -> Fill:
    return Fill(
        fill_id=f"f{n}",
        client_order_id=f"o{n}",
        strategy="s",
        symbol=symbol,
        side=side,
        quantity=Decimal(qty),
        price=Decimal(price),
        commission=Decimal("1"),
        ts_event=ts,
        ts_init=ts,
    )


def test_only_what_was_realised_in_the_period_counts() -> None:
    fills = [
        fill(1, Side.BUY, 10, "100", 1),
        fill(2, Side.SELL, 10, "110", 2),  # +100 before the period, 2 commission
        fill(3, Side.BUY, 10, "120", 5),
        fill(4, Side.SELL, 5, "130", 6),  # +50 in the period
        fill(5, Side.SELL, 10, "1.10", 7, "EUR/USD"),  # opens a short: only its commission
    ]
    assert realized_since(fills, 5) == {"EUR/USD": Decimal("-1"), "GOOG": Decimal("48")}
    assert realized_since(fills, 0) == {"EUR/USD": Decimal("-1"), "GOOG": Decimal("146")}
    assert realized_since(fills, 100) == {"EUR/USD": Decimal("0"), "GOOG": Decimal("0")}
