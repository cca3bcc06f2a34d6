"""What a firing says on a channel: one ``Notification`` per channel the rule names."""

from __future__ import annotations

import math
from collections.abc import Sequence

from freeride.core.alerts import AlertFired
from freeride.core.notify import Notification


def _price(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.6g}"


def notifications_for(fired: AlertFired, default_channels: Sequence[str] = ()) -> list[Notification]:
    """Nothing for a quiet firing (quiet hours push live only); else one per channel."""
    if fired.quiet:
        return []
    channels = fired.notify or tuple(default_channels)
    text = f"{fired.description} — price {_price(fired.price)}"
    if fired.message:
        text = f"{text} — {fired.message}"
    fields = {"price": _price(fired.price), "alert": fired.alert_id, "user": fired.user}
    if fired.threshold is not None:
        fields["threshold"] = f"{fired.threshold:,.6g}"
    if fired.tags:
        fields["tags"] = ", ".join(fired.tags)
    return [
        Notification(
            channel=channel,
            title=f"🔔 {fired.symbol}",
            text=text,
            fields=fields,
            source="alerts",
            key=fired.alert_id,
            ts_event=fired.ts_event,
            ts_init=fired.ts_init,
        )
        for channel in channels
    ]
