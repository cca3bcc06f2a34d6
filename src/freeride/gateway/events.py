"""Turning a provider's snapshot into the bus event it stands for."""

from __future__ import annotations

from freeride.core.market import Quote, Trade
from freeride.core.snapshot import Snapshot


def snapshot_event(snapshot: Snapshot) -> Quote | Trade:
    """A ``Quote`` when the provider gave bid and ask, else a ``Trade`` at the last price.

    The trade's size is the snapshot's volume only if known per print; providers that poll give a
    day's volume, not a print's, so it is 0 there rather than a made-up number.
    """
    if snapshot.bid is not None and snapshot.ask is not None:
        return Quote(
            symbol=snapshot.symbol,
            bid=snapshot.bid,
            ask=snapshot.ask,
            ts_event=snapshot.ts_event,
            ts_init=snapshot.ts_init,
        )
    return Trade(
        symbol=snapshot.symbol,
        price=snapshot.price,
        size=0.0,
        ts_event=snapshot.ts_event,
        ts_init=snapshot.ts_init,
    )
