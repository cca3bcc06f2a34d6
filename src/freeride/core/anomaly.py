"""Anomalies: something measurable left its normal range, and when it came back.

An ``Anomaly`` opens once per ``key`` (detector and subject, e.g. ``stalled_feed:EUR/USD``) and
stays open until an ``AnomalyResolved`` with the same key; it says what was seen (``value``), what
was normal (``baseline``) and, in one line a person reads, why it counts.
"""

from __future__ import annotations

import msgspec

from freeride.core.system import Level


class Anomaly(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    detector: str
    subject: str
    symbol: str | None = None
    level: Level = Level.WARNING
    value: float
    baseline: float
    why: str
    ts_event: int
    ts_init: int


class AnomalyResolved(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    detector: str
    subject: str
    symbol: str | None = None
    opened_ns: int
    value: float
    baseline: float
    why: str
    ts_event: int
    ts_init: int

    @property
    def duration_ns(self) -> int:
        return self.ts_event - self.opened_ns
