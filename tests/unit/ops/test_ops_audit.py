"""The self-audit on a fixed journal: its figures equal the journal's counts (a golden file), the
priorities follow the measured costs, a second audit compares with the first, and the schedule
writes and posts one every ``every_days``."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from freeride.bus.memory import InMemoryBus
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.latency import LatencyHistogram
from freeride.core.notify import Notification
from freeride.core.system import Level, SystemEvent
from freeride.ops.audit.build import measure, write
from freeride.ops.audit.report import to_json
from freeride.ops.audit.schedule import AuditSchedule
from freeride.ops.snapshots import KIND, encode
from freeride.ports.journal import JournalQuery
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import JournalRepository

GOLDEN = Path(__file__).parent / "golden" / "audit.json"
DAY = 86_400 * NS_PER_SECOND
START = 1_780_000_000 * NS_PER_SECOND - (1_780_000_000 * NS_PER_SECOND) % DAY  # a UTC midnight


def e(
    kind: str, day: float, source: str = "execution", level: Level = Level.INFO, **data: object
) -> SystemEvent:
    ts = START + int(day * DAY)
    return SystemEvent(
        source=source, kind=kind, level=level, message=kind, data=data, ts_event=ts, ts_init=ts
    )  # type: ignore[arg-type]


def read(path: str | Path) -> str:
    return Path(path).read_text(encoding="utf-8")


def size(path: str) -> int:
    return Path(path).stat().st_size


def write_golden(body: object) -> None:
    GOLDEN.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def hist(values: list[float]) -> LatencyHistogram:
    h = LatencyHistogram()
    for v in values:
        h.observe(v)
    return h


def fixture() -> list[SystemEvent]:
    entries: list[SystemEvent] = []
    for day in range(14):
        entries += [e("fill", day + 0.5, commission="1.25") for _ in range(3)]
        entries += [e("order_filled", day + 0.5) for _ in range(3)]
        entries.append(e("failover", day + 0.6, source="gateway", level=Level.WARNING))
        entries.append(
            e(
                KIND,
                day + 0.9,
                source="ops",
                **{
                    "handler.Strategy.on_bar": encode(hist([0.002] * 400 + [0.02] * 4), None),
                    "handler.EventQueue.put[recorder]": encode(hist([0.00001] * 1_000), None),
                    "bus.sample_every": 256,
                    "bus.data.bar": 10_000,
                    "provider.finnhub": encode(hist([0.05] * 90 + [0.4] * 10), None),
                    "provider_failures.finnhub": 12,
                    "db.recorder": encode(hist([0.004] * 50 + [0.3] * 2), None),
                    "rows.recorder": 10_003,
                    "gateway.cache_hits": 30,
                    "gateway.coalesced": 5,
                    "gateway.cache_misses": 25,
                    "gateway.upstream_calls": 100,
                    "queue.recorder.dropped": 0,
                    "queue.recorder.high_water": 100 + day,
                    "queue.recorder.capacity": 50_000,
                    "queue.ws.dropped": 2,
                    "queue.ws.high_water": 1_000,
                    "queue.ws.capacity": 1_000,
                    "interval_s": 300.0,
                },
            )
        )
    entries += [
        e("stream_stopped", 3.2, source="gateway", level=Level.ERROR),
        e("no_provider", 3.3, source="gateway", level=Level.ERROR),
    ]
    entries += [
        e("notification_delivered", 4.0 + i * 0.001, source="notify", channel="discord", key="a1")
        for i in range(2)
    ]
    entries += [
        e("notification_retrying", 4.1, source="notify", level=Level.WARNING, channel="discord", key="a2")
    ]
    entries += [
        e("halt_kill", 5.0, level=Level.CRITICAL),
        e("halt_released", 5.1, level=Level.WARNING),
        e("approved", 6.0),
    ]
    entries += [
        e(
            "anomaly",
            7.0,
            source="ops",
            level=Level.WARNING,
            key="latency_step:provider:finnhub",
            detector="latency_step",
        )
    ]
    entries += [e("order_rejected", 8.0, level=Level.WARNING)]
    entries.append(e("fill", 20.0, commission="99"))  # after the period: not counted
    return entries


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[JournalRepository]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}")
    await upgrade_engine(engine)
    journal = JournalRepository(engine)
    await journal.append(fixture())
    yield journal
    await engine.dispose()


async def test_the_audit_equals_the_golden_file_and_the_journals_counts(repo: JournalRepository) -> None:
    figures = await measure(repo, START, START + 14 * DAY)
    body = json.loads(json.dumps(to_json(figures, None), sort_keys=True))
    if os.environ.get("REGENERATE_GOLDEN") == "1":
        write_golden(body)
    assert body == json.loads(read(GOLDEN))
    # the figures are the journal's own counts
    assert figures.events == await repo.count(JournalQuery(start_ns=START, end_ns=START + 14 * DAY))
    assert (
        figures.fills
        == await repo.count(JournalQuery(kinds=("fill",), start_ns=START, end_ns=START + 14 * DAY))
        == 42
    )
    assert figures.failovers == 14
    assert Decimal(figures.commission) == Decimal("52.50")
    assert figures.duplicate_notifications == 1
    assert figures.manual == {"halt_kill": 1, "halt_released": 1, "approved": 1}
    [handler, *_] = figures.handlers
    assert handler.name == "Strategy.on_bar"
    assert handler.calls == 14 * 404 * 256  # timed one call in 256
    [provider] = figures.providers
    assert provider.calls == 1_400
    assert 0.05 < provider.p95_s <= 0.5
    assert [q.name for q in figures.queues if q.dropped] == ["ws"]


async def test_priorities_follow_the_measured_cost_and_a_second_audit_compares(
    repo: JournalRepository, tmp_path: Path
) -> None:
    first = await write(await measure(repo, START, START + 7 * DAY), tmp_path)
    second = await write(await measure(repo, START, START + 14 * DAY), tmp_path)
    body = json.loads(read(second.json))
    costs = [p["seconds"] for p in body["priorities"]]
    assert costs == sorted(costs, reverse=True)
    assert body["priorities"][0]["action"].startswith("make bus handler Strategy.on_bar")
    assert body["before"] == json.loads(read(first.json))["key_figures"]
    text = read(second.markdown)
    assert "| failovers | 7 | 14 | +100% |" in text
    assert all(size(c) > 1_000 for c in second.charts)
    assert len(second.charts) == 3


class Outbox:
    def __init__(self) -> None:
        self.items: list[Notification] = []

    async def enqueue(self, notifications: list[Notification]) -> list[int]:
        self.items.extend(notifications)
        return []


async def test_the_schedule_writes_and_posts_once_per_period(repo: JournalRepository, tmp_path: Path) -> None:
    clock = ManualClock(START + 14 * DAY)
    bus = InMemoryBus(clock)
    written: list[SystemEvent] = []
    bus.subscribe("system.>", written.append)
    outbox = Outbox()
    schedule = AuditSchedule(
        bus, clock, repo, tmp_path, every_days=14, outbox=outbox, channels=["discord"], look_every_s=1e9
    )  # type: ignore[arg-type]
    await schedule.start()
    assert await schedule.maybe_audit() is None  # the process just started
    clock.advance(14 * 86_400)
    files = await schedule.maybe_audit()
    assert files is not None
    await repo.append(written)
    assert await schedule.maybe_audit() is None  # the journal shows today's audit
    await schedule.stop()
    assert [w.kind for w in written] == ["audit_written"]
    [note] = outbox.items
    assert note.title.startswith("📋 freeride audit")
    assert "1. " in note.text
