"""A database that cannot be reached is one clear message naming it (masked), for every command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from freeride.app.database import open_database
from freeride.core.errors import DatabaseUnavailable


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_refused_connection_names_the_masked_url() -> None:
    url = f"postgresql+asyncpg://trader:hunter2@127.0.0.1:{closed_port()}/freeride"
    with pytest.raises(DatabaseUnavailable) as caught:
        async with open_database(url):
            pass
    message = str(caught.value)
    assert message.startswith("cannot open the database postgresql+asyncpg://trader:***@127.0.0.1:")
    assert "hunter2" not in message


def test_every_command_says_it_in_one_line_and_exits_2() -> None:
    env = {
        **os.environ,
        "FREERIDE_DATABASE_URL": f"postgresql+asyncpg://127.0.0.1:{closed_port()}/freeride",
        "FREERIDE_SECRETS__ORDER": "env",
    }
    for args in (["orders"], ["run", "--exit-when-done"]):
        done = subprocess.run(
            [sys.executable, "-m", "freeride", *args], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        said = " ".join(done.stderr.split())  # a console may wrap the line at its width
        assert "cannot open the database postgresql+asyncpg://127.0.0.1:" in said
        assert "Connect call failed" in said
        assert "Traceback" not in done.stderr
        assert "─" not in done.stderr  # nor rich's boxed one
