"""Sweeps and walk-forwards on Dask: the same rows as the process pool, even when a worker dies.

One real LocalCluster of worker processes (reached by its tcp:// address, as a remote scheduler
would be) serves the equality tests; the kill test starts its own ``local:2`` cluster, since it
kills one of its workers with SIGKILL while jobs are running on it.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from freeride.backtest.cluster import DaskRunner, check_address
from freeride.backtest.grid import parse_grid
from freeride.backtest.spec import BacktestSpec
from freeride.backtest.sweep import InlineRunner, ProcessRunner, SweepRow, expand
from freeride.backtest.walkforward import walk_forward
from freeride.cli.backtest import register
from freeride.core.errors import InvalidInput
from freeride.strategies.directional import BarArrays

distributed = pytest.importorskip("distributed", reason="Dask is the optional dask extra")

BASE = BacktestSpec(strategy="sma_cross", params={"size": 50}, cash=Decimal(100_000))
GRID = parse_grid({"fast": "3:15:3", "slow": "20,40,60"})  # 15 jobs
GOOG = str(resources.files("freeride.data").joinpath("GOOG_daily.csv"))


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A two-worker cluster of processes; its address is what ``--cluster tcp://…`` is given."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close()


@pytest.mark.parametrize("address", ["local:1", "local:16", "tcp://scheduler:8786", "tls://10.0.0.4:8786"])
def test_cluster_addresses(address: str) -> None:
    assert check_address(address) == (int(address[6:]) if address.startswith("local:") else None)


@pytest.mark.parametrize("address", ["local:0", "local:x", "scheduler:8786", "http://h:8786", "tcp://h"])
def test_bad_cluster_address_is_refused(address: str) -> None:
    with pytest.raises(InvalidInput, match="--cluster"):
        check_address(address)


def test_sweep_on_dask_equals_the_process_pool(scheduler: str, goog: BarArrays) -> None:
    specs, _ = expand(BASE, GRID)
    with ProcessRunner([goog], workers=2) as pool:
        expected = pool.run(specs, "vector")
    seen: list[SweepRow] = []
    with DaskRunner([goog], scheduler) as runner:
        rows = runner.run(specs, "vector", on_result=seen.append)
    assert rows == expected
    assert len(seen) == len(specs)  # the progress callback saw every job as it completed
    assert sorted(msgspec_key(r) for r in seen) == sorted(msgspec_key(r) for r in rows)


def msgspec_key(row: SweepRow) -> str:
    return json.dumps(row.params, sort_keys=True)


def test_walk_forward_on_dask_equals_inline(scheduler: str, goog: BarArrays) -> None:
    kwargs: dict[str, Any] = {"train": 500, "test": 250, "metric": "sharpe", "engine": "vector"}
    expected = walk_forward(BASE, GRID, [goog], runner=InlineRunner([goog]), **kwargs)
    with DaskRunner([goog], scheduler) as runner:
        got = walk_forward(BASE, GRID, [goog], runner=runner, **kwargs)
    assert got.folds == expected.folds
    assert got.metrics == expected.metrics
    assert len(got.trades) == len(expected.trades)


def test_cli_sweep_and_compare_with_cluster_print_the_local_result(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [k for k in os.environ if k.startswith("FREERIDE_")]:
        monkeypatch.delenv(key)
    app = typer.Typer()
    register(app)
    line = (
        f"sweep sma_cross --data {GOOG} --symbol GOOG --param fast=3:15:3 --param slow=20,40,60 "
        "--param size=50 --no-store --json"
    ).split()

    def results(extra: list[str]) -> list[dict[str, Any]]:
        result = CliRunner().invoke(app, [*line, *extra])
        assert result.exit_code == 0, result.output
        out: list[dict[str, Any]] = json.loads(result.stdout)["results"]
        return out

    assert results(["--cluster", scheduler]) == results(["--workers", "2"])
    compare = (
        f"compare sma_cross ema_cross rsi_reversion donchian_breakout --data {GOOG} --symbol GOOG "
        "--param size=50 --engine event --json"
    ).split()
    on_dask = CliRunner().invoke(app, [*compare, "--cluster", scheduler])
    alone = CliRunner().invoke(app, [*compare, "--workers", "1"])
    assert on_dask.exit_code == 0, on_dask.output
    assert json.loads(on_dask.stdout) == json.loads(alone.stdout)
    refused = CliRunner().invoke(app, [*line, "--cluster", "scheduler:8786"])
    assert refused.exit_code == 2
    assert "--cluster must be a scheduler address" in refused.output


def test_jobs_of_a_killed_worker_are_run_again(goog: BarArrays) -> None:
    specs, _ = expand(BASE, parse_grid({"fast": "2:20:2", "slow": "25:250:25"}))  # 100 jobs
    expected = InlineRunner([goog]).run(specs, "event")
    killed: dict[str, list[str]] = {}
    with DaskRunner([goog], "local:2") as runner:
        client = runner.client
        pids: dict[str, int] = client.run(os.getpid)

        def kill_a_busy_worker(_row: SweepRow) -> None:
            if killed:
                return
            for address, keys in client.processing().items():
                if keys:
                    os.kill(pids[address], signal.SIGKILL)
                    killed[address] = [str(k) for k in keys]
                    return

        rows = runner.run(specs, "event", on_result=kill_a_busy_worker)
        assert killed, "no worker was busy when results came in"
        (address,) = killed
        assert address not in client.scheduler_info()["workers"]  # the dead worker was dropped
    assert rows == expected  # every job, the killed worker's included, answered once and the same
