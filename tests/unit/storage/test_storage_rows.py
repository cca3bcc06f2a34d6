"""Domain ↔ row conversion and the Decimal column type, without a database."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect

from freeride.core.market import Bar
from freeride.core.orders import Order, OrderStatus, OrderType, Side
from freeride.storage import rows
from freeride.storage.tables import ExactDecimal, bars


def test_a_bar_is_its_row() -> None:
    b = Bar(
        symbol="GOOG", interval="1m", open=1, high=2, low=0.5, close=1.5, volume=9, ts_event=60, ts_init=61
    )
    row = rows.bar_row(b)
    assert row == ("GOOG", "1m", 1, 2, 0.5, 1.5, 9, 60, 61)
    assert tuple(c.name for c in bars.columns) == Bar.__struct_fields__
    assert rows.to_bar(dict(zip(rows.BAR_COLUMNS, row, strict=True))) == b


def test_order_row_keeps_decimals_for_postgres_and_text_for_sqlite() -> None:
    o = Order(
        client_order_id="c",
        strategy="s",
        symbol="GOOG",
        side=Side.SELL,
        quantity=Decimal("1.10"),
        order_type=OrderType.MARKET,
        status=OrderStatus.FILLED,
        ts_event=1,
        ts_init=2,
    )
    [pg] = rows.run_rows("r", [o], rows.ORDER_FIELDS, rows.as_is)
    [lite] = rows.run_rows("r", [o], rows.ORDER_FIELDS, rows.decimal_as_text)
    assert pg[0] == "r"
    assert pg[rows.ORDER_FIELDS.index("quantity") + 1] == Decimal("1.10")
    assert lite[rows.ORDER_FIELDS.index("quantity") + 1] == "1.10"
    assert rows.to_order(dict(zip(("run_id", *rows.ORDER_FIELDS), pg, strict=True))) == o


def test_latest_per_key_prefers_newer_then_later() -> None:
    items = [("a", 1, "first"), ("b", 5, "b"), ("a", 3, "newest"), ("a", 2, "stale"), ("b", 5, "b-later")]
    latest = rows.latest_per_key(items, key=lambda i: i[0], ts=lambda i: i[1])
    assert sorted(i[2] for i in latest) == ["b-later", "newest"]


def test_exact_decimal_is_numeric_on_postgres_and_text_on_sqlite() -> None:
    col = ExactDecimal()
    pg = PGDialect()  # type: ignore[no-untyped-call]
    assert str(col.dialect_impl(pg).compile(dialect=pg)) == "NUMERIC"
    lite = SQLiteDialect()
    assert str(col.dialect_impl(lite).compile(dialect=lite)) == "TEXT"
    assert col.process_bind_param(Decimal("0.10"), lite) == "0.10"
    assert col.process_result_value("0.10", lite) == Decimal("0.10")
    assert col.process_bind_param(None, lite) is None
