"""A real ``freeride`` process for end-to-end tests: stderr read by one thread, waited on by pattern."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from types import TracebackType


@dataclass
class Freeride:
    """``python -m freeride *args``; use as a context manager (the process is killed if left over)."""

    args: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    watched: str = "stderr"  # the stream ``wait_for`` reads (``stdout`` for a command's JSON lines)

    def __enter__(self) -> Freeride:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "freeride", *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "COLUMNS": "200", **self.env},
        )
        self._seen = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        stream = self.process.stdout if self.watched == "stdout" else self.process.stderr
        assert stream is not None
        for line in stream:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self._eof = True
            self._seen.notify_all()

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        """The first stderr line matching ``pattern`` (waiting for it); fails with what was printed."""
        regex = re.compile(pattern)
        with self._seen:
            for _ in range(2):
                for line in self.lines:
                    match = regex.search(line)
                    if match:
                        return match
                if not self._seen.wait_for(
                    lambda: getattr(self, "_eof", False) or any(regex.search(x) for x in self.lines), timeout
                ):
                    break
        raise AssertionError(f"no stderr line matched {pattern!r}:\n" + "".join(self.lines[-40:]))

    def stop(self, sig: signal.Signals = signal.SIGINT, timeout: float = 60) -> tuple[int, str]:
        """Send ``sig`` once; the exit status and stdout once the process has ended."""
        self.process.send_signal(sig)
        self.process.wait(timeout=timeout)
        if self.watched == "stdout":  # the reader thread has it all
            self._reader.join(timeout)
            return self.process.returncode, self.stderr
        assert self.process.stdout is not None
        out = self.process.stdout.read()
        self._reader.join(timeout)
        return self.process.returncode, out

    @property
    def stderr(self) -> str:
        with self._seen:
            return "".join(self.lines)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._reader.join(10)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()
