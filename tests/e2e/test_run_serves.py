"""``freeride run`` serves the API and dashboard, prints a login token, and serves until interrupted."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

URL = re.compile(r"dashboard\s+(http://127\.0\.0\.1:\d+)/")
TOKEN = re.compile(r"login token\s+(fr_[A-Za-z0-9_-]+)")


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    token: str
    stderr: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None  # owns the stderr pipe: nothing else may read it

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def interrupt(self, timeout: float = 30) -> tuple[int, str]:
        """SIGINT, then the exit code and stdout; stderr stays with the reader thread, which ends at
        its EOF (``communicate`` would read and close the pipe under it)."""
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=timeout)
        assert self.process.stdout is not None
        out = self.process.stdout.read()
        if self.reader is not None:
            self.reader.join(timeout)
        return self.process.returncode, out


@contextmanager
def served_run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Iterator[Served]:
    """A real ``freeride run`` on a free loopback port; yields once it printed its URL and token."""
    process = subprocess.Popen(
        [sys.executable, "-m", "freeride", "run", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    lines: list[str] = []
    found: dict[str, str] = {}
    ready = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            for name, pattern in (("url", URL), ("token", TOKEN)):
                match = pattern.search(line)
                if match:
                    found[name] = match.group(1)
            if len(found) == 2:
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not ready.wait(timeout) or len(found) != 2:
            raise AssertionError("freeride run printed no URL and token:\n" + "".join(lines))
        yield Served(process, found["url"], found["token"], lines, reader)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        reader.join(10)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()


def test_run_serves_until_interrupted_then_stops_cleanly(feeds: tuple[Path, Path]) -> None:
    with served_run() as run:
        with httpx.Client(base_url=run.url, timeout=10) as http:
            assert http.get("/healthz").json() == {"status": "ok"}
            assert http.get("/api/v1/whoami").status_code == 401
            who = http.get("/api/v1/whoami", headers=run.auth).json()
            assert who["scope"] == "admin"
            assert who["name"].startswith("run-login-")
            # the feed (1,000 bars) is soon exhausted; the process keeps serving regardless
            positions = 0
            for _ in range(300):
                served = any("serving until interrupted" in line for line in run.stderr)
                positions = http.get("/api/v1/positions", headers=run.auth).json()["total"]
                if served and positions == 2:
                    break
                threading.Event().wait(0.1)
            assert positions == 2
            assert run.process.poll() is None
            events = http.get("/api/v1/events", params={"source": "run"}, headers=run.auth).json()
            assert "started" in events["items"][-1]["message"]
        code, out = run.interrupt()
        assert code == 0, "".join(run.stderr)
        assert "final equity" in out  # the summary is printed after a clean stop
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{run.url}/healthz", timeout=2)


def test_the_login_token_dies_with_the_run(feeds: tuple[Path, Path], tmp_path: Path) -> None:
    with served_run() as first:
        first.interrupt()
    with served_run() as second, httpx.Client(base_url=second.url, timeout=10) as http:
        assert http.get("/api/v1/whoami", headers=first.auth).status_code == 401
        assert http.get("/api/v1/whoami", headers=second.auth).status_code == 200


@pytest.mark.timeout(180)  # two runs and a CLI call: slow when the machine is busy
def test_a_killed_runs_login_token_is_revoked_at_the_next_start(feeds: tuple[Path, Path]) -> None:
    """``kill -9`` leaves no chance to revoke: the next start does it (and the token expires anyway)."""
    with served_run() as crashed:
        crashed.process.kill()
        crashed.process.wait(timeout=10)
    with served_run() as second, httpx.Client(base_url=second.url, timeout=10) as http:
        assert http.get("/api/v1/whoami", headers=crashed.auth).status_code == 401
        who = http.get("/api/v1/whoami", headers=second.auth).json()
        assert who["scope"] == "admin"
        listed = subprocess.run(
            [sys.executable, "-m", "freeride", "api", "token", "list"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env={**os.environ, "COLUMNS": "250"},
        ).stdout
        assert listed.count("run-login-") == 1  # only the running one is active


def test_exit_when_done_does_not_serve(feeds: tuple[Path, Path]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "freeride", "run", "--exit-when-done"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "login token" not in result.stderr
    assert "dashboard" not in result.stderr


def _freeride(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "freeride", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "COLUMNS": "250"},
    ).stdout


@pytest.mark.timeout(180)  # two runs and two CLI calls: slow when the machine is busy
def test_a_dashboard_login_with_a_created_token_outlasts_restarts(feeds: tuple[Path, Path]) -> None:
    """Sign in once with ``freeride api token create``'s token: the cookie still works after the run
    is stopped and another starts; revoking the token ends it; a run's own token's session ends
    with its run."""
    secret = _freeride("api", "token", "create", "--name", "dashboard").strip()
    csrf = {"X-Freeride-Request": "1"}
    with served_run() as first, httpx.Client(base_url=first.url, timeout=10) as http:
        signed = http.post("/api/v1/session", json={"token": secret}, headers=csrf)
        assert signed.status_code == 200, signed.text
        cookie = http.cookies["freeride_session"]
        by_run = http.post("/api/v1/session", json={"token": first.token}, headers=csrf)
        run_cookie = by_run.cookies["freeride_session"]
        first.interrupt()
    with served_run() as second, httpx.Client(base_url=second.url, timeout=10) as http:
        who = http.get("/api/v1/whoami", headers={"cookie": f"freeride_session={cookie}"})
        assert who.status_code == 200
        assert who.json()["name"] == "dashboard"
        ended = http.get("/api/v1/whoami", headers={"cookie": f"freeride_session={run_cookie}"})
        assert ended.status_code == 401  # the first run's token, and so its session, died with it
        _freeride("api", "token", "revoke", "dashboard")
        for _ in range(100):  # revoked within the token cache's few seconds
            gone = http.get("/api/v1/whoami", headers={"cookie": f"freeride_session={cookie}"})
            if gone.status_code == 401:
                break
            threading.Event().wait(0.1)
        assert gone.status_code == 401
