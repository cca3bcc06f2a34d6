"""What the journal needs from persistence: append, filtered reads, counts and retention.

The journal is every ``SystemEvent`` (system facts and the domain facts the journal component
turns into them), stored with its run, instrument and correlation id. Reads are by a
``JournalQuery``; ``after_id`` lets a follower (``freeride events --follow``, the dashboard) read
only what is new since its last look. Time ranges are half-open, ``start_ns <= ts_event < end_ns``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import msgspec

from freeride.core.system import Level, SystemEvent


class JournalQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Filters, all optional and combined with AND; ``kinds`` and ``components`` match any of theirs."""

    start_ns: int | None = None
    end_ns: int | None = None
    kinds: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    level: Level | None = None
    min_level: Level | None = None
    symbol: str | None = None
    correlation_id: str | None = None
    run_id: str | None = None
    after_id: int | None = None
    limit: int = 1_000
    offset: int = 0
    newest_first: bool = False


class JournalRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One stored entry: its id (increasing in insertion order), the run it belongs to, the event."""

    id: int
    run_id: str | None
    event: SystemEvent


class KindCount(msgspec.Struct, frozen=True, kw_only=True):
    """How many entries of one (component, kind, level), and over which span of time."""

    source: str
    kind: str
    level: Level
    count: int
    first_ns: int
    last_ns: int


class DayCount(msgspec.Struct, frozen=True, array_like=True):
    day_ns: int
    source: str
    kind: str
    level: Level
    count: int


class JournalRepository(Protocol):
    async def append(self, events: Sequence[SystemEvent], run_id: str | None = None) -> int:
        """Store ``events`` in one transaction; returns how many."""
        ...

    async def query(self, query: JournalQuery) -> list[JournalRecord]:
        """Entries matching ``query``, oldest first (``newest_first`` reverses), paged by limit/offset."""
        ...

    async def count(self, query: JournalQuery) -> int:
        """How many entries match ``query`` (ignoring its limit and offset)."""
        ...

    async def kind_counts(self, start_ns: int, end_ns: int) -> list[KindCount]:
        """Entries per (component, kind, level) in ``[start_ns, end_ns)``."""
        ...

    async def day_counts(self, start_ns: int, end_ns: int) -> list[DayCount]:
        """Entries per UTC day, component, kind and level in ``[start_ns, end_ns)`` (one scan)."""
        ...

    async def fields(
        self, kind: str, names: Sequence[str], start_ns: int, end_ns: int
    ) -> list[tuple[int, tuple[str | None, ...]]]:
        """``(ts_event, (data[name] as text, …))`` of every ``kind`` entry in the range, oldest first:
        the few figures a report needs without decoding whole entries."""
        ...

    async def purge(self, cutoffs: Mapping[Level, int]) -> int:
        """Delete entries of each level older than its cutoff (ns); returns how many were deleted."""
        ...
