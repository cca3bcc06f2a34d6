"""A watch-only symbol added while ``freeride live`` runs is streamed, and an alert on it fires.

Real processes throughout: the service, ``freeride watch add`` and ``freeride alerts add`` from
other shells, and ``freeride events --follow`` reading the journal as the service writes it. The
test waits on what the processes print, never on a timer.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from processes import Freeride

LIVE_ENV = {
    "FREERIDE_PROVIDERS__ENABLED": "simulator",
    "FREERIDE_LOG__FORMAT": "json",
}


def freeride(*args: str) -> subprocess.CompletedProcess[str]:
    """One CLI command from another shell, to its end."""
    return subprocess.run(
        [sys.executable, "-m", "freeride", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **LIVE_ENV},
        timeout=120,
        check=False,
    )


@pytest.mark.timeout(180)  # five processes start here, each a few seconds on a loaded machine
def test_a_symbol_watched_at_runtime_streams_and_its_alert_fires(feeds: tuple[Path, Path]) -> None:
    # --always-open: the simulator streams stocks whatever the day of the week the test runs on
    with Freeride(("live", "--interval", "1m", "--always-open"), LIVE_ENV) as live:
        live.wait_for(r"live_started")
        with Freeride(("events", "--follow", "--json"), LIVE_ENV, watched="stdout") as events:
            refused = freeride("watch", "add", "NVDAA", "--list", "chips")
            assert refused.returncode == 2
            assert "did you mean NVDA" in refused.stderr
            added = freeride("watch", "add", "NVDA", "--list", "chips")
            assert added.returncode == 0, added.stderr
            assert "added chips: NVDA" in added.stdout
            # streamed because of the watchlist alone: no alert names it yet, nothing trades it
            live.wait_for(r'"symbols": \["NVDA"\], "event": "watch.added"')
            alert = freeride("alerts", "add", "NVDA", "above", "0.01")
            assert alert.returncode == 0, alert.stderr
            match = re.search(r"added (al_[0-9a-f]+)", alert.stdout)
            assert match is not None, alert.stdout
            fired = events.wait_for(rf'"kind": "alert_fired".*"alert_id": "{match.group(1)}"')
            assert "NVDA above 0.01 fired" in fired.string
            events.stop(signal.SIGINT)
        listed = freeride("watch", "list", "--json")
        assert '"symbol": "NVDA"' in listed.stdout
        code, out = live.stop(signal.SIGINT)
    assert code == 0, live.stderr
    assert "stopped by SIGINT" in out
    assert "Traceback" not in live.stderr
