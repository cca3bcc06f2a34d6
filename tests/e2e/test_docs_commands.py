"""Every shell command of README.md and docs/*.md works when pasted into a fresh checkout.

The working tree's files are copied into a temporary folder (what ``git clone`` of this commit
gives, plus uncommitted edits), with the already-built ``.venv`` linked in, and each block's
commands are run there by bash, in file order, one after another, as a reader pasting the
documentation top to bottom would: one home folder (so one default database) for all of them,
no ``FREERIDE_*`` variable set, no key, no network. Each must exit 0 within its timeout.

- ``freeride`` resolves on ``PATH`` to a client of a fork server that imported the CLI once
  (``pasted/forkserver.py``): a hundred interpreter starts would take minutes. The README's own
  ``source .venv/bin/activate`` block runs the installed ``.venv/bin/freeride``.
- Commands that run until stopped (``freeride live``, ``freeride run`` while it serves,
  ``events --follow``) are started, sent one SIGINT once they are up, and must then stop
  cleanly with exit 0, as the README promises of one Ctrl-C.
- ``freeride live`` without keys asks Yahoo whether the network answers: Yahoo is the fake
  chart endpoint on a loopback port (``FREERIDE_PROVIDERS__YAHOO_URL``), the one difference
  from a user's machine.
- A block that cannot run here says why in its info string (```` ```sh not-run: … ````); the
  list is checked to stay short. What is not run needs something this machine cannot lend a
  test: a Discord webhook or application, a Robinhood account, a systemd user session, a Dask
  cluster, the network for pip, Docker, Redis and PostgreSQL set up for a scaled-out run, root,
  an Azure subscription, a correlation id from the reader's own journal, the shared PostgreSQL
  database (e2e tests run those commands on throwaway ones), or is the test suite itself.
- The README's blocks and docs/' run side by side, each group in its own copy and home folder,
  in file order within the group: the two cores halve the time.
- ``make run`` is stopped as a terminal's Ctrl-C would stop ``freeride run`` under it, but
  the SIGINT goes to ``freeride`` only: make reports any interrupt it receives as a failure.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from pasted.commands import Block, blocks, changes_environment, without_assignments

from freeride.testing.fakes.yahoo import FakeYahoo

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "pasted"
BLOCKS = blocks(ROOT)
RUNNABLE = [b for b in BLOCKS if b.not_run is None]
MAX_NOT_RUN = 22
TIMEOUT_S = 60.0
UP_TIMEOUT_S = 30.0

# Commands that run until Ctrl-C, what each prints once it is up, and whether the SIGINT goes
# to the command make started rather than to the whole process group.
SERVICES: list[tuple[re.Pattern[str], re.Pattern[str] | None, bool]] = [
    (re.compile(r"^freeride live\b"), re.compile(r"live\.live_started"), False),
    (re.compile(r"^freeride run\b(?!.*--exit-when-done)"), re.compile(r"^dashboard ", re.M), False),
    (re.compile(r"^make run\b"), re.compile(r"^dashboard ", re.M), True),
    (re.compile(r"^freeride events\b.*--follow"), None, False),
]


@dataclass
class Shell:
    checkout: Path
    env: dict[str, str]


def copy_checkout(dest: Path) -> Path:
    """The files git knows of (tracked, or new and not ignored), and the built ``.venv`` linked in."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = ROOT / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    link_venv(dest / ".venv")
    return dest


def link_venv(dest: Path) -> None:
    """``.venv`` made of links to the built one, with stamps of its own newer than the copied
    ``pyproject.toml``: ``make`` takes it as installed and never runs pip into the real one."""
    dest.mkdir()
    for entry in (ROOT / ".venv").iterdir():
        if not entry.name.startswith(".stamp"):
            (dest / entry.name).symlink_to(entry)
    for stamp in (".stamp-run", ".stamp-dev"):
        (dest / stamp).touch()


def serve_in_thread(app: object) -> tuple[str, uvicorn.Server]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="off")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the fake Yahoo server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}", server


def group_of(block: Block) -> str:
    """README.md in one folder, docs/ in another: the two run side by side."""
    return "readme" if block.file == "README.md" else "docs"


@pytest.fixture
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str | None]]:
    """Every runnable block run once, the README's and docs/' side by side, each group in its own
    copy and home folder; per block ``None`` when every command exited 0, else what failed."""
    base = tmp_path_factory.mktemp("docs")
    yahoo_url, yahoo = serve_in_thread(FakeYahoo().app)
    sock = str(base / "fork.sock")
    bin_dir = base / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "freeride"
    launcher.write_text(f'#!/bin/sh\nexec {sys.executable} -S {HERE / "client.py"} "$@"\n')
    launcher.chmod(0o755)
    shells = {}
    for group in ("readme", "docs"):
        checkout = copy_checkout(base / group / "freeride")
        home = base / group / "home"
        home.mkdir()
        env = {
            "HOME": str(home),
            "PATH": f"{bin_dir}:{checkout / '.venv' / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "VIRTUAL_ENV": str(checkout / ".venv"),
            "LANG": "C.UTF-8",
            "COLUMNS": "160",
            "TERM": "dumb",
            "FREERIDE_PROVIDERS__YAHOO_URL": yahoo_url,
            "DOCS_FORKSERVER": sock,
        }
        shells[group] = Shell(checkout, env)
    server_env = {k: v for k, v in os.environ.items() if not k.startswith("FREERIDE_")}
    server = subprocess.Popen(
        [sys.executable, str(HERE / "forkserver.py"), sock],
        stdout=subprocess.PIPE,
        env=server_env,
        cwd=base,
        text=True,
        start_new_session=True,  # its group holds every command it forked: one kill ends them all
    )
    try:
        assert server.stdout is not None
        assert server.stdout.readline().strip() == "ready"
        results: dict[str, str | None] = {}

        def run_group(group: str) -> None:
            for block in (b for b in RUNNABLE if group_of(b) == group):
                results[block.where] = run_block(block, shells[group])

        with ThreadPoolExecutor(max_workers=len(shells)) as pool:
            for done in [pool.submit(run_group, g) for g in shells]:
                done.result()
        yield results
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        yahoo.should_exit = True


def service_of(command: str) -> tuple[bool, re.Pattern[str] | None, bool]:
    bare = without_assignments(command)
    for pattern, up, under_make in SERVICES:
        if pattern.search(bare):
            return True, up, under_make
    return False, None, False


def interrupt(pid: int, under_make: bool) -> None:
    """Ctrl-C: SIGINT to the process group, or to the processes ``make`` (``pid``) started."""
    if not under_make:
        os.killpg(pid, signal.SIGINT)
        return
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in children:
        os.kill(int(child), signal.SIGINT)


class Output:
    """stdout and stderr of a process, read by threads so a full pipe never blocks it."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.text = ""
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._read, args=(stream,), daemon=True)
            for stream in (process.stdout, process.stderr)
        ]
        for thread in self._threads:
            thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            with self._lock:
                self.text += line

    def join(self) -> str:
        for thread in self._threads:
            thread.join(timeout=10)
        return self.text


def run(command: str, shell: Shell, env: dict[str, str]) -> tuple[int, str]:
    """Run ``command`` with bash; a service is stopped with SIGINT once it is up."""
    is_service, up, under_make = service_of(command)
    process = subprocess.Popen(
        ["bash", "-c", command],
        cwd=shell.checkout,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    output = Output(process)
    try:
        if is_service:
            deadline = time.monotonic() + UP_TIMEOUT_S
            while process.poll() is None and time.monotonic() < deadline:
                if up is None or up.search(output.text):
                    time.sleep(1.5 if up is None else 0.2)
                    break
                time.sleep(0.05)
            else:
                if process.poll() is None:
                    raise AssertionError(f"{command!r} was not up within {UP_TIMEOUT_S:g} s:\n{output.text}")
            if process.poll() is None:
                interrupt(process.pid, under_make)
        code = process.wait(timeout=TIMEOUT_S)
    except (subprocess.TimeoutExpired, AssertionError):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    return code, output.join()


def changed_env(command: str, shell: Shell, env: dict[str, str]) -> dict[str, str]:
    """The environment after ``command`` (an ``export``, a ``source``, an assignment)."""
    done = subprocess.run(
        ["bash", "-c", f"{command}\nenv -0"],
        cwd=shell.checkout,
        env=env,
        capture_output=True,
        timeout=TIMEOUT_S,
        check=True,
    )
    pairs = (item.split(b"=", 1) for item in done.stdout.split(b"\0") if b"=" in item)
    return {k.decode(): v.decode() for k, v in pairs}


def run_block(block: Block, shell: Shell) -> str | None:
    """``None`` when every command of ``block`` exited 0, else the first failure."""
    env = dict(shell.env)
    for command in block.commands:
        try:
            if changes_environment(command):
                env = changed_env(command, shell, env)
                continue
            code, output = run(command, shell, env)
        except (subprocess.SubprocessError, AssertionError) as exc:
            return f"{block.where}: {command!r} failed: {exc}"
        if code != 0:
            return f"{block.where}: {command!r} exited {code}:\n{output[-3000:]}"
    return None


@pytest.mark.timeout(600)
def test_every_block_runs_when_pasted(outcomes: dict[str, str | None]) -> None:
    """One test for all blocks (each failure named with its file and line), so a parallel run
    (pytest-xdist) runs the documentation once, not once per worker."""
    assert sorted(outcomes) == sorted(b.where for b in RUNNABLE)
    failures = [failure for failure in outcomes.values() if failure is not None]
    assert not failures, "\n\n".join(failures)


def test_the_commands_not_run_are_few_and_say_why() -> None:
    skipped = [b for b in BLOCKS if b.not_run is not None]
    assert len(skipped) <= MAX_NOT_RUN, [b.where for b in skipped]
    assert all(len(b.not_run or "") >= 10 for b in skipped)
    assert sum(len(b.commands) for b in RUNNABLE) >= 100


def test_the_readme_says_how_freeride_is_invoked() -> None:
    readme = (ROOT / "README.md").read_text()
    assert ".venv/bin/freeride" in readme
    assert "source .venv/bin/activate" in readme


def test_make_run_installs_the_runtime_dependencies_only(tmp_path: Path) -> None:
    """On a checkout without ``.venv``, ``make run`` would install ``.`` (no test or lint tools)."""
    shutil.copy2(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    planned = subprocess.run(
        ["make", "-n", "run"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    installs = [line for line in planned.splitlines() if "pip install" in line]
    assert any(line.endswith("pip install --quiet -e .") for line in installs), planned
    assert not any("[dev]" in line for line in installs), planned
    tests = subprocess.run(
        ["make", "-n", "test"], cwd=tmp_path, capture_output=True, text=True, check=True
    ).stdout
    assert "pip install --quiet -e '.[dev]'" in tests
