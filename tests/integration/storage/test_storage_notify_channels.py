"""Disabled notification channels and per-channel outbox counts, on SQLite and PostgreSQL."""

from __future__ import annotations

from freeride.core.notify import Notification
from freeride.ports.notify import DisabledChannel
from freeride.storage.repositories import Repositories

FP_OLD = "a" * 64
FP_NEW = "b" * 64


def _state(
    channel: str, reason: str = "HTTP 404 code 10015", at: int = 1, fp: str = FP_OLD
) -> DisabledChannel:
    return DisabledChannel(channel=channel, reason=reason, disabled_at=at, fingerprint=fp)


async def test_disable_list_and_enable(repos: Repositories) -> None:
    channels = repos.channels
    assert await channels.disabled() == {}

    await channels.disable(_state("discord"))
    await channels.disable(_state("ops", reason="HTTP 401", at=2))

    assert await channels.disabled() == {"discord": _state("discord"), "ops": _state("ops", "HTTP 401", 2)}
    assert await channels.enable("discord") == _state("discord")
    assert list(await channels.disabled()) == ["ops"]
    assert await channels.enable("discord") is None  # already enabled: nothing to return


async def test_disabling_again_replaces_the_record(repos: Repositories) -> None:
    await repos.channels.disable(_state("discord"))
    again = _state("discord", reason="HTTP 401 code 50027", at=5, fp=FP_NEW)

    await repos.channels.disable(again)

    assert await repos.channels.disabled() == {"discord": again}


async def test_a_long_reason_is_cut_not_refused(repos: Repositories) -> None:
    await repos.channels.disable(_state("discord", reason="x" * 5_000))

    assert len((await repos.channels.disabled())["discord"].reason) == 1_000


async def test_outbox_counts_per_channel_and_status(repos: Repositories) -> None:
    notes = [
        Notification(channel=channel, title="t", text="", ts_event=1, ts_init=1)
        for channel in ("discord", "discord", "discord", "ops")
    ]
    ids = await repos.outbox.enqueue(notes)
    await repos.outbox.mark_sent([ids[0]], 2)
    await repos.outbox.mark_dead([ids[1]], "refused")

    assert await repos.outbox.counts_by_channel() == {
        "discord": {"sent": 1, "dead": 1, "pending": 1},
        "ops": {"pending": 1},
    }
