"""One Ctrl-C (or SIGTERM) stops every mode cleanly: the summary printed, exit status 0.

Each test starts a real ``freeride`` process, waits until it is working (it says so on stderr),
sends one real signal and checks what a person at the terminal would see.
"""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest
from processes import Freeride

LIVE_ENV = {
    "FREERIDE_PROVIDERS__ENABLED": "simulator",
    "FREERIDE_LOG__FORMAT": "json",
}


def test_run_stops_mid_replay_on_one_ctrl_c(feeds: tuple[Path, Path]) -> None:
    # 0.1 s per hourly bar: the 600 EUR/USD bars would take a minute; the signal comes well before
    with Freeride(("run", "--exit-when-done", "--speed", "36000"), {"FREERIDE_LOG__FORMAT": "json"}) as run:
        run.wait_for(r"run_started")
        code, out = run.stop(signal.SIGINT)
    assert code == 0, run.stderr
    assert "final equity" in out
    assert "Traceback" not in run.stderr
    assert "stopping cleanly" in run.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_live_stops_on_one_signal_with_its_summary(feeds: tuple[Path, Path], sig: signal.Signals) -> None:
    with Freeride(("live", "--interval", "1m"), LIVE_ENV) as live:
        live.wait_for(r"live_started")
        code, out = live.stop(sig)
    assert code == 0, live.stderr
    assert "Live run live-paper-" in out
    assert f"stopped by {sig.name}" in out
    assert "Traceback" not in live.stderr


def test_live_serve_stops_on_one_ctrl_c_and_closes_the_server(feeds: tuple[Path, Path]) -> None:
    with Freeride(("live", "--serve", "--port", "0", "--interval", "1m"), LIVE_ENV) as live:
        url = live.wait_for(r"dashboard\s+(http://127\.0\.0\.1:\d+)/").group(1)
        token = live.wait_for(r"login token\s+(fr_[A-Za-z0-9_-]+)").group(1)
        live.wait_for(r"live_started")
        with httpx.Client(base_url=url, timeout=10) as http:
            assert http.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        code, out = live.stop(signal.SIGINT)
    assert code == 0, live.stderr
    assert "Live run live-paper-" in out
    assert "stopped by SIGINT" in out
    assert "aborted" not in live.stderr
    assert "Traceback" not in live.stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/healthz", timeout=2)
