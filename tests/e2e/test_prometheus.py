"""Debian's Prometheus scraping a real ``freeride run``, and the shipped rules and dashboard.

The test starts ``/usr/bin/prometheus`` on a free loopback port with the rules in ``deploy/``,
scraping the run's ``/metrics`` every second with a read token, and asks Prometheus (not freeride)
what it scraped. Where Prometheus or promtool is not installed the tests skip, saying so, except
under ``CI=true``, where that is a failure (``apt-get install prometheus``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_run_serves import served_run

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RULES = DEPLOY / "prometheus" / "freeride-rules.yml"
RULE_TESTS = DEPLOY / "prometheus" / "freeride-rules.test.yml"
DASHBOARD = DEPLOY / "grafana" / "freeride-dashboard.json"
METRIC = re.compile(r"\bfreeride_[a-z0-9_]+")


def need(tool: str) -> str:
    path = shutil.which(tool) or (f"/usr/bin/{tool}" if Path(f"/usr/bin/{tool}").exists() else None)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} must be installed under CI=true (apt-get install prometheus)")
        pytest.skip(reason=f"{tool} is not installed (apt-get install prometheus)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_promtool_checks_the_rules_and_their_unit_tests_pass() -> None:
    promtool = need("promtool")
    checked = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout
    tested = subprocess.run(
        [promtool, "test", "rules", RULE_TESTS.name],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=RULE_TESTS.parent,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def exported_names(text: str) -> set[str]:
    """Every sample name ``/metrics`` can carry, from its TYPE lines (labelled families with no
    sample yet included)."""
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            suffixes = {
                "counter": ("", "_total", "_created"),
                "histogram": ("", "_bucket", "_sum", "_count", "_created"),
                "summary": ("", "_sum", "_count", "_created"),
            }.get(kind, ("",))
            names.update(name + s for s in suffixes)
    return names


@pytest.fixture
def prometheus_for(tmp_path: Path) -> Iterator[object]:
    binary = need("prometheus")
    started: list[subprocess.Popen[str]] = []

    def start(target: str, token: str) -> str:
        port = free_port()
        (tmp_path / "token").write_text(token)
        shutil.copy(RULES, tmp_path / RULES.name)
        (tmp_path / "prometheus.yml").write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: [{RULES.name}]\n"
            "scrape_configs:\n"
            "  - job_name: freeride\n"
            "    authorization: {type: Bearer, credentials_file: token}\n"
            f"    static_configs: [{{targets: ['{target}']}}]\n"
        )
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        started.append(process)
        return f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def eventually(check: object, seconds: float = 60.0) -> object:
    """Ask every 0.25 s until ``check()`` returns something truthy (Prometheus scrapes on its own clock)."""
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = check()  # type: ignore[operator]
        except httpx.HTTPError as exc:
            last = exc
        if last and not isinstance(last, Exception):
            return last
        threading.Event().wait(0.25)
    raise AssertionError(f"Prometheus never answered as expected; last: {last!r}")


def test_prometheus_scrapes_a_running_freeride_with_the_rules_loaded(
    feeds: tuple[Path, Path], prometheus_for: object
) -> None:
    with served_run() as run:
        target = run.url.removeprefix("http://")
        url = prometheus_for(target, run.token)  # type: ignore[operator]
        with httpx.Client(base_url=url, timeout=10) as prom, httpx.Client(base_url=run.url, timeout=10) as fr:

            def query(expr: str) -> list[dict[str, object]]:
                answer = prom.get("/api/v1/query", params={"query": expr})
                if answer.status_code != 200:  # 503 "Service Unavailable" until the TSDB is open
                    return []
                body = answer.json()
                return list(body["data"]["result"]) if body.get("status") == "success" else []

            assert eventually(lambda: prom.get("/-/ready").status_code == 200)
            up = eventually(lambda: [r for r in query('up{job="freeride"}') if r["value"][1] == "1"])  # type: ignore[index]
            assert up
            bars = eventually(lambda: query('freeride_bus_events_total{family="data.bar"} >= 1000'))
            assert float(bars[0]["value"][1]) == 1000.0  # type: ignore[index]
            fills = eventually(lambda: query("freeride_fills_total > 0"))
            assert fills
            assert eventually(lambda: query("freeride_fill_latency_seconds_count > 0"))
            assert eventually(lambda: query('freeride_bus_queue_capacity{queue="recorder"} > 0'))
            assert eventually(lambda: query("freeride_process_resident_memory_bytes > 0"))

            rules = prom.get("/api/v1/rules").json()["data"]["groups"]
            loaded = {r["name"]: r["health"] for g in rules for r in g["rules"]}
            assert len(loaded) == 14
            assert set(loaded.values()) <= {"ok", "unknown"}
            assert eventually(lambda: all(h == "ok" for h in _health(prom).values()))

            exported = exported_names(fr.get("/metrics", headers=run.auth).text)

        run.interrupt()

    used = set(METRIC.findall(RULES.read_text())) | set(METRIC.findall(DASHBOARD.read_text()))
    assert used - exported == set(), "rules or dashboard name metrics freeride does not export"
    dashboard = json.loads(DASHBOARD.read_text())
    assert all(p["targets"] and p["datasource"]["uid"] == "${datasource}" for p in dashboard["panels"])


def _health(prom: httpx.Client) -> dict[str, str]:
    groups = prom.get("/api/v1/rules").json()["data"]["groups"]
    return {r["name"]: r["health"] for g in groups for r in g["rules"]}
