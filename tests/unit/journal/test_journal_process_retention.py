"""Process start/stop entries (with what changed since the last start) and retention on the clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from freeride.app.ops import describe_process, git_commit, settings_sections
from freeride.bus import topics
from freeride.bus.memory import InMemoryBus
from freeride.config.settings import Settings
from freeride.core.clock import NS_PER_SECOND, ManualClock
from freeride.core.system import Level, SystemEvent
from freeride.journal.process import ProcessJournal
from freeride.journal.retention import DAY_NS, JournalRetention
from freeride.ports.journal import JournalQuery
from freeride.storage.engine import create_engine
from freeride.storage.migrate import upgrade_engine
from freeride.storage.repositories import JournalRepository
from freeride.testing.fakes.waiting import until


@pytest.fixture
async def repo(tmp_path: Path) -> AsyncIterator[JournalRepository]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}")
    await upgrade_engine(engine)
    yield JournalRepository(engine)
    await engine.dispose()


async def start_and_stop(
    repo: JournalRepository, sections: dict[str, str], clock: ManualClock
) -> list[SystemEvent]:
    bus = InMemoryBus(clock)
    seen: list[SystemEvent] = []
    bus.subscribe(topics.ALL_SYSTEM, seen.append)
    process = ProcessJournal(bus, clock, repo, lambda: {"version": "9.9", "commit": "abc123"}, sections)
    await process.start()
    clock.advance(90)
    await process.stop()
    await repo.append(seen)
    return seen


async def test_start_and_stop_are_journaled_and_a_changed_section_is_named(repo: JournalRepository) -> None:
    clock = ManualClock(1_000 * NS_PER_SECOND)
    first = await start_and_stop(repo, {"run": "a", "api": "b"}, clock)
    assert [e.kind for e in first] == ["process_started", "process_stopped"]
    assert first[0].data["version"] == "9.9"
    assert first[0].data["section.run"] == "a"
    assert first[1].data["uptime_s"] == 90.0

    same = await start_and_stop(repo, {"run": "a", "api": "b"}, clock)
    assert [e.kind for e in same] == ["process_started", "process_stopped"]

    changed = await start_and_stop(repo, {"run": "A", "api": "b", "ops": "new"}, clock)
    assert [e.kind for e in changed] == ["process_started", "config_changed", "process_stopped"]
    assert changed[1].data["sections"] == "ops,run"
    assert changed[1].level is Level.WARNING


def test_settings_sections_hide_secrets_and_change_with_the_settings() -> None:
    base = settings_sections(Settings(_env_file=None))  # type: ignore[call-arg]
    other = settings_sections(Settings(_env_file=None, run={"fast": 3}))  # type: ignore[call-arg]
    assert base.keys() == other.keys()
    assert [k for k in base if base[k] != other[k]] == ["run"]


def test_the_process_is_described_with_its_commit() -> None:
    described = describe_process()
    assert described["version"]
    assert described["pid"]
    here = Path(__file__).resolve().parent
    commit = git_commit(here)
    assert commit is None or len(commit) == 40


def test_git_commit_follows_a_worktree_and_packed_refs(tmp_path: Path) -> None:
    common = tmp_path / "repo" / ".git"
    (common / "worktrees" / "wt").mkdir(parents=True)
    (common / "packed-refs").write_text("# pack-refs\n" + "a" * 40 + " refs/heads/wt\n")
    (common / "worktrees" / "wt" / "HEAD").write_text("ref: refs/heads/wt\n")
    (common / "worktrees" / "wt" / "commondir").write_text("../..\n")
    checkout = tmp_path / "wt"
    (checkout / "src").mkdir(parents=True)
    (checkout / ".git").write_text(f"gitdir: {common / 'worktrees' / 'wt'}\n")
    assert git_commit(checkout / "src") == "a" * 40


async def test_retention_purges_at_start_and_then_on_the_clock(repo: JournalRepository) -> None:
    clock = ManualClock(100 * DAY_NS)

    def entry(day: int, level: Level) -> SystemEvent:
        return SystemEvent(source="t", kind="k", level=level, message="m", ts_event=day * DAY_NS, ts_init=0)

    await repo.append([entry(50, Level.DEBUG), entry(95, Level.DEBUG), entry(50, Level.ERROR)])
    retention = JournalRetention(repo, clock, {Level.DEBUG: 7}, every_s=3_600)
    await retention.start()
    await until(lambda: retention.deleted == 1 and clock.sleepers == 1)
    clock.advance(5 * 86_400)  # day 105: the day-95 debug entry is now 10 days old
    await until(lambda: retention.deleted == 2)
    await retention.stop()
    left = await repo.query(JournalQuery())
    assert [(e.event.level, e.event.ts_event // DAY_NS) for e in left] == [(Level.ERROR, 50)]
