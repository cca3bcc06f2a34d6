"""What a fill says on a notification channel (the Discord channels subscribed to ``fills``)."""

from __future__ import annotations

from freeride.core.notify import Notification
from freeride.core.orders import Fill


def fill_notification(fill: Fill, channel: str) -> Notification:
    side = fill.side.value.upper()
    return Notification(
        channel=channel,
        title=f"💱 {side} {fill.quantity} {fill.symbol} @ {fill.price}",
        text=f"{fill.strategy} · commission {fill.commission}",
        fields={"order": fill.client_order_id},
        source="execution",
        key=fill.fill_id,
        ts_event=fill.ts_event,
        ts_init=fill.ts_init,
    )
