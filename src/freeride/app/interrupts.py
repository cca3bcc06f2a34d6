"""Ctrl-C and SIGTERM for a running service: the first stops it cleanly, a second forces the exit.

The first SIGINT or SIGTERM asks the runtime to stop: the feed or the live session ends, open
orders are resolved or persisted, queues drain, the summary is printed and the process exits 0.
A second one means the person (or systemd's stop timeout) will not wait: the process exits at
once with status 130 and says what was left undone (the components still stopping).

Only the runtime listens: the HTTP server is told not to capture signals itself (uvicorn would
swallow the first Ctrl-C and re-raise it after its own shutdown, which arrived as a second one).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from typing import TextIO

import structlog

log = structlog.get_logger(__name__)

SIGNALS = (signal.SIGINT, signal.SIGTERM)
FORCED_EXIT_STATUS = 130


def _hard_exit(status: int) -> None:
    os._exit(status)


class Interrupts:
    """Installs the two-step handlers on the running loop for as long as it is ``installed``.

    ``stop(reason)`` is called on the first signal; ``undone()`` names what is still running when
    a second comes, which is written to ``out`` before ``exit(130)``.
    """

    def __init__(
        self,
        stop: Callable[[str], None],
        undone: Callable[[], list[str]],
        *,
        out: TextIO | None = None,
        exit: Callable[[int], None] = _hard_exit,
    ) -> None:
        self._stop = stop
        self._undone = undone
        self._out = out
        self._exit = exit
        self.received: list[str] = []
        self._installed: list[signal.Signals] = []

    def install(self) -> bool:
        """Listen on the running loop; ``False`` where signals cannot be handled (not the main thread)."""
        loop = asyncio.get_running_loop()
        for sig in SIGNALS:
            try:
                loop.add_signal_handler(sig, self.received_signal, sig.name)
            except (NotImplementedError, RuntimeError, ValueError):
                break
            self._installed.append(sig)
        return bool(self._installed)

    def remove(self) -> None:
        loop = asyncio.get_running_loop()
        while self._installed:
            loop.remove_signal_handler(self._installed.pop())

    def received_signal(self, name: str) -> None:
        self.received.append(name)
        if len(self.received) == 1:
            log.info("runtime.interrupted", signal=name, message="stopping cleanly; interrupt again to force")
            self._stop(name)
            return
        left = self._undone()
        what = ", ".join(left) if left else "nothing (the stop had finished)"
        out = self._out if self._out is not None else sys.stderr
        print(f"forced exit on a second {name}: left undone: {what}", file=out, flush=True)
        log.warning("runtime.forced_exit", signal=name, undone=left)
        self._exit(FORCED_EXIT_STATUS)
