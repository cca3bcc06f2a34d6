"""What a run reports at the end, per instrument and in total."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class InstrumentSummary:
    symbol: str
    interval: str
    currency: str
    bars: int
    trades: int
    fills: int
    commission: Decimal
    pnl: Decimal
    starting_cash: Decimal
    final_equity: Decimal
    position: Decimal

    @property
    def return_pct(self) -> Decimal:
        return (self.final_equity / self.starting_cash - 1) * 100


@dataclass(frozen=True, slots=True)
class RunSummary:
    run_id: str
    database: str
    instruments: tuple[InstrumentSummary, ...]
    events_published: int
    handler_failures: int
    wall_seconds: float

    @property
    def bars(self) -> int:
        return sum(i.bars for i in self.instruments)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types; money as strings so no digit is lost."""

        def plain(value: Any) -> Any:
            return str(value) if isinstance(value, Decimal) else value

        return {
            "run_id": self.run_id,
            "database": self.database,
            "bars": self.bars,
            "events_published": self.events_published,
            "handler_failures": self.handler_failures,
            "wall_seconds": round(self.wall_seconds, 3),
            "instruments": [
                {k: plain(v) for k, v in asdict(i).items()} | {"return_pct": str(round(i.return_pct, 4))}
                for i in self.instruments
            ],
        }
