"""What ``freeride audit`` does: measure a period of the journal and write the report."""

from __future__ import annotations

from pathlib import Path

from freeride.app.database import open_database
from freeride.config.settings import Settings
from freeride.ops.audit.build import AuditFiles, measure, summary, write
from freeride.ops.audit.figures import Figures
from freeride.storage.repositories import JournalRepository, OutboxRepository


async def run_audit(
    settings: Settings,
    start_ns: int,
    end_ns: int,
    folder: Path,
    *,
    post: list[str] | None = None,
    now_ns: int,
) -> tuple[Figures, AuditFiles]:
    """Measure ``[start_ns, end_ns)``, write into ``folder``; with ``post``, queue the summary on
    those channels through the outbox (a running engine's relay delivers it)."""
    async with open_database(settings.database_url) as engine:
        figures = await measure(JournalRepository(engine), start_ns, end_ns)
        files = await write(figures, folder)
        if post:
            await OutboxRepository(engine).enqueue([summary(files, figures, c, now_ns) for c in post])
    return figures, files
