"""Disabled notification channels: what the relay stopped, why, since when, for which target.

A row exists only while its channel is disabled; enabling deletes it. The relay and the operator's
``freeride notify enable`` share this table, so a channel cleared from the shell is picked up by a
running relay without a restart.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from freeride.ports.notify import DisabledChannel
from freeride.storage.repositories._base import Repository, upsert_row
from freeride.storage.tables import notify_channels as t


def _state(row: Any) -> DisabledChannel:
    return DisabledChannel(
        channel=str(row["channel"]),
        reason=str(row["disabled_reason"]),
        disabled_at=int(row["disabled_at"]),
        fingerprint=str(row["fingerprint"]),
    )


class ChannelStateRepository(Repository):
    async def disabled(self) -> dict[str, DisabledChannel]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(sa.select(t).order_by(t.c.channel))).mappings()
            return {state.channel: state for state in map(_state, rows)}

    async def disable(self, state: DisabledChannel) -> None:
        values = {
            "channel": state.channel,
            "disabled_reason": state.reason[:1000],
            "disabled_at": state.disabled_at,
            "fingerprint": state.fingerprint,
        }
        async with self._engine.begin() as conn:
            await upsert_row(conn, t, values, "channel")

    async def enable(self, channel: str) -> DisabledChannel | None:
        async with self._engine.begin() as conn:
            row = (await conn.execute(sa.select(t).where(t.c.channel == channel))).mappings().first()
            if row is None:
                return None
            await conn.execute(sa.delete(t).where(t.c.channel == channel))
            return _state(row)
