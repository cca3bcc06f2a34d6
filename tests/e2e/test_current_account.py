"""After a run, ``freeride orders`` and ``freeride positions`` show it without being told a run id."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def freeride(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "freeride", *args], capture_output=True, text=True, timeout=180, check=False
    )


def test_orders_and_positions_default_to_the_newest_run(feeds: tuple[Path, Path]) -> None:
    ran = freeride("run", "--exit-when-done", "--json")
    assert ran.returncode == 0, ran.stderr
    run_id = ran.stdout.strip().splitlines()[-1].split('"run_id": "')[1].split('"')[0]
    orders = freeride("orders")
    assert orders.returncode == 0, orders.stderr
    assert f"orders ({run_id})" in orders.stdout
    assert "filled" in orders.stdout
    positions = freeride("positions")
    assert positions.returncode == 0, positions.stderr
    assert f"positions ({run_id})" in positions.stdout
    assert "GOOG" in positions.stdout
    assert "EUR/USD" in positions.stdout
