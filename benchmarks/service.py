"""The service's day: restart to first decision, peak memory, events lost across a SIGKILL.

Runs ``freeride.testing.scripted_day`` (real ``freeride live`` processes on simulated prices, a
clock 60× the wall's): ten sleeves (six stocks, four USD-quoted pairs) and fifty watch-only
symbols, ten alerts on watch-only symbols added through the API, a SIGKILL at midday, a restart,
one SIGTERM at the end. The issue names no peer: what a restart cost before is the strategies'
slowest window (here 20 one-minute bars) before any decision, and a new paper account.

    .venv/bin/python benchmarks/service.py

Last line: one JSON object with ``restart_to_decision_s``, ``service_peak_mib``, ``events_lost``,
``manual_steps``, ``watch_alerts_fired`` (targets: < 3 s, < 300 MiB, 0, 0) and the details.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from pathlib import Path

import psutil

from freeride.testing.scripted_day import DayPlan, as_json, run_day


class PeakRss:
    """Samples the resident memory of each service process every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._pids: list[int] = []
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def watch(self, pid: int) -> None:
        self._pids.append(pid)

    def _sample(self) -> None:
        while not self._stop.is_set():
            for pid in list(self._pids):
                try:
                    self.peak = max(self.peak, psutil.Process(pid).memory_info().rss)
                except psutil.Error:
                    self._pids.remove(pid)
            self._stop.wait(0.05)

    def close(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def main() -> None:
    rss = PeakRss()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        day = run_day(DayPlan(workdir=Path(tmp), morning_s=30, afternoon_s=15, on_process=rss.watch))
    peak = rss.close()
    figures = {
        **as_json(day),
        "service_peak_mib": round(peak / 2**20, 1),
        "continued": day.continued,
        "final_exit": day.final_exit,
        "wall_s": round(time.perf_counter() - started, 1),
        "load_average_1m": round(os.getloadavg()[0], 1),
    }
    print(
        f"restart → trading again {day.restart_to_ready_s:.2f} s, → first warm decision "
        f"{day.restart_to_decision_s:.2f} s (all ten {day.restart_to_all_decided_s:.2f} s; "
        f"{day.restart_cpu_s:.2f} CPU-s of the process); "
        f"peak RSS {figures['service_peak_mib']} MiB; {day.events_lost} of {day.events_seen} events lost; "
        f"{day.watch_alerts_fired} watch-only alerts fired; "
        f"manual steps {day.manual_steps} {day.manual_reasons}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
