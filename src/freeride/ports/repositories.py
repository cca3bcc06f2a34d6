"""What services need from persistence, spoken in domain types only.

Services (execution, backtest, api, journal) depend on these Protocols; ``freeride.storage``
implements them with SQLAlchemy. Rows, sessions and SQL never cross this line, so a test can hand
a service an in-memory fake and the service cannot tell.

Everything a run produces (orders, fills, positions, system events) is keyed by ``run_id``; market
data (bars, instruments) is shared by all runs. Timestamps are int nanoseconds since the epoch;
time ranges are half-open, ``start_ns <= ts_event < end_ns``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import msgspec

from freeride.core.instruments import Instrument
from freeride.core.market import Bar
from freeride.core.orders import Fill, Order, Position
from freeride.core.system import Level, SystemEvent


class RunInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One run (a backtest or a live session): what it was, when, and how it ended."""

    run_id: str
    name: str
    config: dict[str, Any]
    started_at: int
    finished_at: int | None = None
    summary: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


class InstrumentRepository(Protocol):
    async def upsert(self, instrument: Instrument) -> None:
        """Store ``instrument``, replacing what was stored under its symbol."""
        ...

    async def get(self, symbol: str) -> Instrument | None: ...

    async def list_all(self) -> list[Instrument]:
        """Every stored instrument, by symbol."""
        ...


class BarRepository(Protocol):
    async def upsert_many(self, bars: Sequence[Bar]) -> int:
        """Store ``bars``; a bar already stored under (symbol, interval, ts_event) is kept as is.

        Returns how many bars were new.
        """
        ...

    async def query(
        self,
        symbol: str,
        interval: str,
        start_ns: int | None = None,
        end_ns: int | None = None,
        *,
        limit: int | None = None,
    ) -> list[Bar]:
        """Bars of one series in ``[start_ns, end_ns)``, oldest first."""
        ...

    async def latest(self, symbol: str, interval: str) -> Bar | None:
        """The newest stored bar of a series (where a backfill resumes)."""
        ...

    async def count(self, symbol: str | None = None, interval: str | None = None) -> int: ...


class OrderRepository(Protocol):
    async def upsert(self, run_id: str, order: Order) -> None:
        """Store the order's latest state; an older ``ts_event`` never overwrites a newer one."""
        ...

    async def get(self, run_id: str, client_order_id: str) -> Order | None: ...

    async def list_open(self, run_id: str) -> list[Order]:
        """Orders whose last known status is open (pending, submitted, accepted, partly filled)."""
        ...

    async def list_by_run(self, run_id: str) -> list[Order]: ...


class FillRepository(Protocol):
    async def insert(self, run_id: str, fill: Fill) -> bool:
        """Store ``fill`` once; ``False`` when its ``fill_id`` was already stored for this run."""
        ...

    async def insert_many(self, run_id: str, many: Sequence[Fill]) -> int:
        """Store many in one transaction, each ``fill_id`` once; returns how many were handed over."""
        ...

    async def list_by_run(self, run_id: str, symbol: str | None = None) -> list[Fill]:
        """Fills of a run (optionally one symbol), oldest first."""
        ...


class PositionRepository(Protocol):
    async def upsert(self, run_id: str, position: Position) -> None:
        """Store the latest position per symbol; an older ``ts_event`` never overwrites a newer one."""
        ...

    async def upsert_many(self, run_id: str, many: Sequence[Position]) -> None:
        """``upsert`` for each, in one transaction."""
        ...

    async def get(self, run_id: str, symbol: str) -> Position | None: ...

    async def list_by_run(self, run_id: str) -> list[Position]: ...


class SystemEventRepository(Protocol):
    async def append(self, run_id: str, event: SystemEvent) -> None: ...

    async def query(
        self,
        run_id: str | None = None,
        *,
        level: Level | None = None,
        min_level: Level | None = None,
        source: str | None = None,
        start_ns: int | None = None,
        end_ns: int | None = None,
        limit: int = 1_000,
        newest_first: bool = False,
    ) -> list[SystemEvent]:
        """Events matching every filter given; ``min_level`` keeps that level and anything worse."""
        ...


class RunRepository(Protocol):
    async def begin(self, run_id: str, *, name: str, config: Mapping[str, Any], started_at: int) -> RunInfo:
        """Record that a run started; beginning an existing id again restarts its record.

        It does not delete what the run stored before: call ``reset`` for that.
        """
        ...

    async def finish(self, run_id: str, *, summary: Mapping[str, Any], finished_at: int) -> None:
        """Record the run's end and summary; raises ``InvalidInput`` for an unknown run."""
        ...

    async def reset(self, run_id: str) -> int:
        """Delete the run's orders, fills, positions and system events (not bars, not the run).

        A re-run under the same deterministic id then replaces its rows rather than adding to
        them. Returns how many rows were deleted.
        """
        ...

    async def get(self, run_id: str) -> RunInfo | None: ...

    async def list_runs(self, limit: int | None = None) -> list[RunInfo]:
        """Runs, most recently started first."""
        ...
