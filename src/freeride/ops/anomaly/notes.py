"""What an anomaly (opened or resolved) says on a notification channel."""

from __future__ import annotations

from freeride.core.anomaly import Anomaly, AnomalyResolved
from freeride.core.notify import Notification
from freeride.core.system import Level


def anomaly_notification(event: Anomaly | AnomalyResolved, channel: str, now_ns: int) -> Notification:
    opened = isinstance(event, Anomaly)
    return Notification(
        channel=channel,
        title=("⚠️ anomaly: " if opened else "✅ resolved: ") + event.key,
        text=event.why,
        fields={"value": f"{event.value:,.6g}", "baseline": f"{event.baseline:,.6g}"},
        level=Level.WARNING if opened else Level.INFO,
        source="ops",
        key=event.key,
        ts_event=event.ts_event,
        ts_init=now_ns,
    )
