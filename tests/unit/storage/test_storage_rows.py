"""Domain ↔ row conversion and the Decimal column type, without a database."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect

from freeride.core.market import Bar
from freeride.core.orders import Order, OrderStatus, OrderType, Side
from freeride.storage import rows
from freeride.storage.tables import ExactDecimal, bars


def _bar(symbol: str = "GOOG", ts: int = 60) -> Bar:
    return Bar(
        symbol=symbol,
        interval="1m",
        open=1,
        high=2,
        low=0.5,
        close=1.5,
        volume=9,
        ts_event=ts,
        ts_init=ts + 1,
    )


def test_a_bar_row_is_its_series_id_and_numbers() -> None:
    b = _bar()
    [row] = rows.bar_rows([b], {("GOOG", "1m"): 7})
    assert row == (7, 1, 2, 0.5, 1.5, 9, 60, 61)
    assert set(rows.BAR_COLUMNS) == {c.name for c in bars.columns}
    stored = dict(zip(rows.BAR_COLUMNS, row, strict=True))
    assert rows.to_bar(stored, "GOOG", "1m") == b


def test_bar_rows_of_several_series_take_each_its_own_id() -> None:
    batch = [_bar("A", 60), _bar("B", 60), _bar("A", 120)]
    ids = {("A", "1m"): 1, ("B", "1m"): 2}
    assert [r[0] for r in rows.bar_rows(batch, ids)] == [1, 2, 1]


def test_bar_series_and_spans_of_a_batch() -> None:
    one = [_bar(ts=180), _bar(ts=60), _bar(ts=120)]
    assert rows.bar_series(one) == [("GOOG", "1m")]
    assert rows.bar_spans(one, [("GOOG", "1m")]) == {("GOOG", "1m"): (60, 180)}
    mixed = [_bar("A", 180), _bar("B", 60), _bar("A", 120), _bar("B", 240)]
    assert rows.bar_series(mixed) == [("A", "1m"), ("B", "1m")]
    spans = rows.bar_spans(mixed, rows.bar_series(mixed))
    assert spans == {("A", "1m"): (120, 180), ("B", "1m"): (60, 240)}


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
