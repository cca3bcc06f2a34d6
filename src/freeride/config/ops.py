"""Settings of operations: the journal and its retention, anomaly detection, the self-audit."""

from __future__ import annotations

from pydantic import Field, field_validator

from freeride.config.problems import problem
from freeride.config.run import FrozenConfig
from freeride.core.system import Level


def _default_retention() -> dict[Level, float]:
    return {Level.DEBUG: 7, Level.INFO: 90, Level.WARNING: 365, Level.ERROR: 730, Level.CRITICAL: 730}


class OpsSettings(FrozenConfig):
    journal: bool = True
    """Write domain facts (signals, orders, fills, firings, deliveries, anomalies) to the journal."""
    retention_days: dict[Level, float] = Field(default_factory=_default_retention)
    """How long journal entries of each level are kept, in days; a level left out is kept for ever."""
    retention_every_s: float = 3_600.0
    anomalies: bool = True
    """Run the online anomaly detectors; each opening and resolution is journaled and notified."""
    anomaly_channels: list[str] = Field(default_factory=list)
    """Where anomalies are notified; empty: the operator channel, else every configured channel."""
    stall_after_s: float = 120.0
    """A feed is stalled after this long without data while its market is open."""
    audit_every_days: float = 14.0
    """A running engine writes the self-audit this often (0: never)."""
    audit_dir: str = "audits"
    """Where audits are written (``freeride audit`` too, unless ``--out``)."""
    audit_channels: list[str] = Field(default_factory=list)
    """Channels the scheduled audit's summary is posted to; empty: none."""
    snapshot_every_s: float = 300.0
    """How often the metrics the audit reads are written to the journal (0: never)."""

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, value: dict[Level, float]) -> dict[Level, float]:
        for level, days in value.items():
            if not days > 0:
                raise problem(f"retention for {level.value} is {days} days", "use a number of days > 0")
        return value

    @field_validator("retention_every_s", "stall_after_s", "audit_every_days", "snapshot_every_s")
    @classmethod
    def _not_negative(cls, value: float) -> float:
        if value < 0:
            raise problem(f"{value} is negative", "use 0 or more")
        return value
