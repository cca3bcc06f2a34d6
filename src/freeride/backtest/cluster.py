"""Sweeps on a Dask cluster: the same jobs as the process pool, spread over machines.

``DaskRunner`` is a ``Runner`` like ``ProcessRunner``: each job is one ``BacktestSpec`` sent as
msgpack bytes to ``sweep.evaluate`` and answered as a ``SweepRow``, so a grid gives the same rows
on a cluster as on this machine's cores. The bars are scattered once to every worker (not shipped
with each job), and results are taken in completion order (``distributed.as_completed``), which
is what a progress bar follows.

Jobs travel in small batches (about ``TASKS_PER_THREAD`` tasks per worker thread), since a Dask
task's scheduling costs more than one short backtest; the progress callback still gets every row.
Dask's scheduler, not this module, keeps a sweep whole when a worker dies: the jobs that worker
held are run again on another (up to ``distributed.scheduler.allowed-failures`` deaths per task),
and the broadcast bars are still on the survivors. ``distributed`` is imported only here, and only
when a cluster is asked for: it is the optional ``dask`` extra.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from freeride.backtest.spec import BacktestSpec
from freeride.backtest.sweep import OnResult, SweepRow, Window, evaluate_encoded
from freeride.core.errors import InvalidInput
from freeride.strategies.directional import BarArrays

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

_LOCAL = re.compile(r"^local:(\d+)$")
_REMOTE = re.compile(r"^(tcp|tls|ws|wss)://[^\s/]+:\d+/?$")
TASKS_PER_THREAD = 16
EXTRA_HINT = "--cluster needs Dask: pip install 'freeride[dask]'"


def _batches(jobs: int, threads: int) -> list[range]:
    """Jobs cut into about ``TASKS_PER_THREAD`` tasks per worker thread: a Dask task costs about a
    millisecond of scheduling, more than one short backtest, so each task runs a few of them."""
    size = max(1, math.ceil(jobs / max(1, threads * TASKS_PER_THREAD)))
    return [range(i, min(jobs, i + size)) for i in range(0, jobs, size)]


def evaluate_batch(jobs: list[bytes], engine: str, window: Window, bars: list[BarArrays]) -> list[bytes]:
    """One Dask task: a few jobs, each as the process pool's workers run it."""
    return [evaluate_encoded(job, engine, window, bars) for job in jobs]


def check_address(address: str) -> int | None:
    """Workers of a ``local:N`` cluster, ``None`` for a scheduler URL; anything else is refused."""
    local = _LOCAL.match(address)
    if local is not None:
        workers = int(local.group(1))
        if not 1 <= workers <= 256:
            raise InvalidInput(f"--cluster local:N needs 1 to 256 workers, got {workers}")
        return workers
    if _REMOTE.match(address):
        return None
    raise InvalidInput(f"--cluster must be a scheduler address (tcp://host:8786) or local:N, got {address!r}")


class DaskRunner:
    """A Dask cluster: ``tcp://scheduler:8786`` (its workers need freeride installed, the same
    version) or ``local:N`` (a LocalCluster of N single-threaded worker processes on this
    machine, started on first use and closed with the runner)."""

    def __init__(self, bars: Sequence[BarArrays], address: str) -> None:
        self.bars = list(bars)
        self.address = address
        self._local_workers = check_address(address)
        self._cluster: LocalCluster | None = None
        self._client: Client | None = None
        self._scattered: Any = None

    def __enter__(self) -> DaskRunner:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def client(self) -> Client:
        """The connected client (connecting, and scattering the bars, on first use)."""
        if self._client is None:
            self._connect()
        assert self._client is not None
        return self._client

    def _connect(self) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InvalidInput(EXTRA_HINT) from None
        if self._local_workers is not None:
            self._cluster = LocalCluster(
                n_workers=self._local_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # a free port: the HTTP server starts even without a dashboard
            )
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(self.address, timeout="10s")
            except OSError as exc:
                raise InvalidInput(f"cannot reach the Dask scheduler at {self.address}: {exc}") from None
        self._scattered = self._client.scatter(self.bars, broadcast=True)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def run(
        self,
        specs: Sequence[BacktestSpec],
        engine: str,
        on_result: OnResult | None = None,
        window: Window = None,
    ) -> list[SweepRow]:
        from distributed import as_completed

        client = self.client
        batches = _batches(len(specs), sum(client.nthreads().values()))
        futures = client.map(
            evaluate_batch,
            [[msgspec.msgpack.encode(specs[i]) for i in batch] for batch in batches],
            engine=engine,
            window=window,
            bars=self._scattered,
            pure=False,
        )
        index = {f.key: batch for f, batch in zip(futures, batches, strict=True)}
        rows: list[SweepRow | None] = [None] * len(specs)
        for future in as_completed(futures):
            for i, answer in zip(index[future.key], future.result(), strict=True):
                row = msgspec.msgpack.decode(answer, type=SweepRow)
                rows[i] = row
                if on_result is not None:
                    on_result(row)
        return [r for r in rows if r is not None]
