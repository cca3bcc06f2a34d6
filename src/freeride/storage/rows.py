"""Domain ↔ row conversion, the only place that knows both shapes.

Rows are plain tuples in a table's column order (what drivers take fastest); rows read back come
from SQLAlchemy Core, whose column types already turned ``NUMERIC``/``TEXT`` into ``Decimal`` and
JSON into dicts. Nothing here touches a connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import msgspec

from freeride.core.instruments import Instrument
from freeride.core.market import Bar
from freeride.core.orders import Fill, Order, Position
from freeride.core.system import SystemEvent
from freeride.ports.repositories import RunInfo
from freeride.storage import tables

T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)

ToDb = Callable[[Any], Any]


def _fields(table_name: str, skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(c.name for c in tables.metadata.tables[table_name].columns if c.name not in skip)


BAR_COLUMNS = _fields("bars")
ORDER_FIELDS = _fields("orders", skip=("run_id",))
FILL_FIELDS = _fields("fills", skip=("run_id",))
POSITION_FIELDS = _fields("positions", skip=("run_id",))
EVENT_FIELDS = ("source", "kind", "level", "message", "data", "ts_event", "ts_init")

# The bar fast path relies on this: a Bar *is* its row, field for field.
if Bar.__struct_fields__ != BAR_COLUMNS:
    raise RuntimeError(f"bars columns {BAR_COLUMNS} must match Bar fields {Bar.__struct_fields__}")

bar_row: Callable[[Bar], tuple[Any, ...]] = msgspec.structs.astuple


def decimal_as_text(value: Any) -> Any:
    """SQLite's way to keep a ``Decimal`` exact: its canonical string."""
    return str(value) if isinstance(value, Decimal) else value


def as_is(value: Any) -> Any:
    return value


def json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def run_rows(
    run_id: str, items: Iterable[Any], fields: tuple[str, ...], to_db: ToDb
) -> list[tuple[Any, ...]]:
    """``(run_id, field, ...)`` per item; ``to_db`` adapts values the driver cannot take as they are."""
    return [(run_id, *(to_db(getattr(item, f)) for f in fields)) for item in items]


def event_rows(run_id: str, events: Iterable[SystemEvent]) -> list[tuple[Any, ...]]:
    return [
        (run_id, e.source, e.kind, e.level.value, e.message, json_text(e.data), e.ts_event, e.ts_init)
        for e in events
    ]


def latest_per_key(items: Iterable[T], key: Callable[[T], Any], ts: Callable[[T], int]) -> list[T]:
    """The newest item per key (ties go to the later one), so an upsert writes each key once."""
    newest: dict[Any, T] = {}
    for item in items:
        k = key(item)
        seen = newest.get(k)
        if seen is None or ts(item) >= ts(seen):
            newest[k] = item
    return list(newest.values())


def _convert(row: Mapping[Any, Any], kind: type[S]) -> S:
    """The domain struct from a row that has a column for each of its fields."""
    return msgspec.convert({f: row[f] for f in kind.__struct_fields__}, kind, strict=False)


def to_bar(row: Mapping[Any, Any]) -> Bar:
    return Bar(**{f: row[f] for f in BAR_COLUMNS})


def to_order(row: Mapping[Any, Any]) -> Order:
    return _convert(row, Order)


def to_fill(row: Mapping[Any, Any]) -> Fill:
    return _convert(row, Fill)


def to_position(row: Mapping[Any, Any]) -> Position:
    return _convert(row, Position)


def to_event(row: Mapping[Any, Any]) -> SystemEvent:
    return _convert(row, SystemEvent)


def to_instrument(row: Mapping[Any, Any]) -> Instrument:
    return _convert(row, Instrument)


def instrument_values(instrument: Instrument) -> dict[str, Any]:
    return msgspec.structs.asdict(instrument)


def to_run(row: Mapping[Any, Any]) -> RunInfo:
    return _convert(row, RunInfo)
