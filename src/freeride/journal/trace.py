"""A chain of events read back from the journal, hop by hop, with the time each hop took.

Hops are in the order they were written (the journal's ids), timed by ``ts_init``: when freeride
learned of or produced each fact. The first hop's time is measured from the chain's start; the
chain's ``total`` is from its first to its last hop.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from freeride.ports.journal import JournalRecord


class Hop(msgspec.Struct, frozen=True, kw_only=True):
    record: JournalRecord
    after_ns: int  # since the previous hop
    since_start_ns: int


def hops(records: Sequence[JournalRecord]) -> list[Hop]:
    ordered = sorted(records, key=lambda r: r.id)
    if not ordered:
        return []
    start = ordered[0].event.ts_init
    out: list[Hop] = []
    previous = start
    for record in ordered:
        ts = record.event.ts_init
        out.append(Hop(record=record, after_ns=ts - previous, since_start_ns=ts - start))
        previous = ts
    return out


def duration(ns: int) -> str:
    """``850 µs``, ``12.4 ms``, ``3.20 s``, ``4 min 10 s``: what a person reads."""
    if ns < 1_000_000:
        return f"{ns / 1_000:.0f} µs"
    if ns < 1_000_000_000:
        return f"{ns / 1_000_000:.1f} ms"
    seconds = ns / 1_000_000_000
    if seconds < 120:
        return f"{seconds:.2f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"
