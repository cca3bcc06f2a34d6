"""The PostgreSQL fixture's contract: skip when the server is absent, fail on CI."""

from __future__ import annotations

import pytest
from storage_pg import require_pg

# Nothing listens on port 1 of the loopback address: connecting is refused at once.
NOWHERE = ("127.0.0.1", 1)


async def test_absent_server_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"PostgreSQL not reachable at 127\.0\.0\.1:1: "):
        await require_pg(*NOWHERE)


async def test_absent_server_fails_on_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"PostgreSQL not reachable at 127\.0\.0\.1:1: "):
        await require_pg(*NOWHERE)
