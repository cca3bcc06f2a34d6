"""A trader's day, scripted against real ``freeride live`` processes on simulated prices.

Set-up (what a trader does once): ten sleeves (stocks and forex) and fifty watch-only symbols in
the settings, a dashboard token. Then the day, with no hands on it: the service starts on a clock
running ``speed`` times faster than the wall's, alerts on watch-only symbols are added from the
dashboard's API and fire, the process is killed with SIGKILL at midday and started again, the
strategies decide on their next bar, the paper account continues, the dashboard's token and the
session signed in with it in the morning still work, and one SIGTERM ends the day with a summary.

What was lost is measured from outside: a WebSocket client (as the dashboard is) collects every
fill and alert firing the service publishes before the kill; each must be in the database after
it. ``manual_steps`` counts what a person would have had to do after set-up: log in again, resume
a halt, approve a held order, restart by hand.

``tests/e2e`` runs a short day; ``benchmarks/service.py`` a longer one with its figures.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

STOCK_SLEEVES = ("AAPL", "MSFT", "AMZN", "GOOG", "META", "NFLX")
FX_SLEEVES = ("EUR/USD", "GBP/USD", "AUD/USD", "NZD/USD")  # the paper account books in USD
WATCH_STOCKS = (
    "NVDA", "TSLA", "AMD", "INTC", "ADSK", "ORCL", "CRM", "ADBE", "CSCO", "QCOM",
    "TXN", "AVGO", "IBM", "SHOP", "UBER", "PYPL", "SQ", "ABNB", "SNOW", "PLTR",
    "JPM", "BAC", "WFC", "GS", "MS", "V", "MA", "AXP", "KO", "PEP",
    "WMT", "COST", "HD", "NKE", "DIS", "XOM", "CVX", "PFE", "MRK", "JNJ",
)  # fmt: skip
WATCH_FX = (
    "EUR/GBP", "EUR/JPY", "GBP/JPY", "USD/JPY", "USD/CAD",
    "EUR/CHF", "AUD/JPY", "CAD/JPY", "EUR/AUD", "GBP/CHF",
)  # fmt: skip
URL = re.compile(r"dashboard\s+(http://127\.0\.0\.1:\d+)/")
TOKEN = re.compile(r"login token\s+(fr_[A-Za-z0-9_-]+)")
LEDGER = "live-paper-live"


@dataclass
class DayPlan:
    workdir: Path
    speed: float = 60.0
    start: datetime = datetime(2024, 6, 3, 14, 30, tzinfo=UTC)  # a Monday, an hour into the session
    morning_s: float = 20.0  # real seconds before the kill
    afternoon_s: float = 10.0  # real seconds after the restart's first decisions
    alerts: int = 10
    fast: int = 5
    slow: int = 20
    on_process: Callable[[int], None] | None = None  # told each service pid (memory sampling)


@dataclass
class DayResult:
    restart_to_ready_s: float = 0.0  # spawn → trading again: reconciled, warmed up, streaming
    restart_to_decision_s: float = 0.0  # spawn → the first warm decision after the restart
    restart_cpu_s: float = 0.0  # CPU seconds the restarted process spent up to that decision
    restart_to_all_decided_s: float = 0.0  # spawn → every sleeve has decided, warm
    events_seen: int = 0  # fills and firings the dashboard's client saw before the kill
    events_lost: int = 0  # of those, missing from the database after it
    duplicate_firings: int = 0  # an alert that fired again after the restart
    watch_alerts_fired: int = 0
    manual_steps: int = 0
    manual_reasons: list[str] = field(default_factory=list)
    continued: bool = False
    final_exit: int | None = None
    summary: str = ""
    notes: list[str] = field(default_factory=list)


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process from ``/proc`` (0 where that is unreadable).

    Wall time from a restart to its first decision stretches with whatever else shares the cores;
    the CPU the process itself spent is the part of it that is ours.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Service:
    """One ``freeride live`` process; stderr read by one thread, waited on by pattern."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.spawned = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "freeride", "live", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[tuple[float, str]] = []
        self.cpu_at: list[float] = []  # the process's CPU seconds when each line arrived
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            cpu = process_cpu_s(self.process.pid)
            with self._cond:
                self.lines.append((time.monotonic(), line))
                self.cpu_at.append(cpu)
                self._cond.notify_all()

    def wait_for(
        self, pattern: str, timeout: float = 90, count: int = 1
    ) -> list[tuple[float, re.Match[str]]]:
        regex = re.compile(pattern)

        def found() -> list[tuple[float, re.Match[str]]]:
            return [(t, m) for t, line in self.lines if (m := regex.search(line))]

        with self._cond:
            ok = self._cond.wait_for(
                lambda: len(found()) >= count or self.process.poll() is not None, timeout
            )
            hits = found()
        if not ok or len(hits) < count:
            tail = "".join(line for _, line in self.lines[-30:])
            raise AssertionError(f"no {count}× {pattern!r} from freeride live:\n{tail}")
        return hits

    def stop(self, sig: signal.Signals, timeout: float = 60) -> tuple[int, str]:
        self.process.send_signal(sig)
        self.process.wait(timeout=timeout)
        out = self.process.stdout.read() if self.process.stdout is not None else ""
        self._reader.join(10)
        return self.process.returncode, out

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._reader.join(10)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


class Observer:
    """What a dashboard sees over ``/ws``: fills and alert firings, by id."""

    def __init__(self, url: str, token: str) -> None:
        self.fills: set[str] = set()
        self.firings: list[str] = []
        ws_url = url.replace("http://", "ws://") + f"/ws?token={token}"
        self._stack = contextlib.ExitStack()
        self._ws = self._stack.enter_context(connect(ws_url, open_timeout=30))
        self._ws.send(json.dumps({"op": "subscribe", "topics": ["order.fill.>", "alert.fired.>"]}))
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for frame in self._ws:
                message = json.loads(frame)
                for event in message if isinstance(message, list) else [message]:
                    if event.get("op") != "event":
                        continue
                    data = event.get("data", {})
                    if event.get("type") == "Fill":
                        self.fills.add(data["fill_id"])
                    elif event.get("type") == "AlertFired":
                        self.firings.append(data["alert_id"])
        except Exception:  # the service was killed under it: what was seen is what counts
            return

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._stack.close()
        self._thread.join(10)


def day_env(plan: DayPlan) -> dict[str, str]:
    sleeves = [
        {"symbol": s, "interval": "1m", "quantity": 10 if s in STOCK_SLEEVES else 1000,
         "params": {"fast": plan.fast, "slow": plan.slow}}
        for s in (*STOCK_SLEEVES, *FX_SLEEVES)
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("FREERIDE_")}
    env.update(
        {
            "FREERIDE_DATABASE_URL": f"sqlite+aiosqlite:///{plan.workdir / 'day.db'}",
            "FREERIDE_PROVIDERS__ENABLED": "simulator",
            "FREERIDE_SECRETS__ORDER": "env",
            "FREERIDE_LOG__FORMAT": "json",
            "FREERIDE_SLEEVES": json.dumps(sleeves),
            "FREERIDE_WATCHLISTS": json.dumps({"us": list(WATCH_STOCKS), "fx": list(WATCH_FX)}),
            "COLUMNS": "200",
        }
    )
    return env


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "freeride", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"freeride {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def _stored(db: Path) -> tuple[set[str], list[str], int]:
    """Fill ids of the paper ledger, fired alert ids, and the newest bar's time (ns)."""
    with sqlite3.connect(db) as conn:
        fills = {r[0] for r in conn.execute("SELECT fill_id FROM fills WHERE run_id = ?", (LEDGER,))}
        firings = [r[0] for r in conn.execute("SELECT alert_id FROM alert_firings")]
        newest = conn.execute("SELECT max(ts_event) FROM bars").fetchone()[0] or 0
    return fills, firings, int(newest)


def _sign_in(url: str, token: str) -> str:
    """The dashboard's session cookie for ``token``, as the browser gets it when the trader signs in."""
    with httpx.Client(base_url=url, timeout=10) as http:
        signed = http.post("/api/v1/session", json={"token": token}, headers={"X-Freeride-Request": "1"})
        if signed.status_code != 200:
            raise AssertionError(f"signing the dashboard in: {signed.status_code} {signed.text}")
        return signed.cookies["freeride_session"]


def _manual_steps(url: str, token: str, db: Path, session: str | None = None) -> list[str]:
    """What a person would have to do now: log in again, resume a halt, approve a held order."""
    steps = []
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, timeout=10, headers=auth) as http:
        if http.get("/api/v1/whoami").status_code != 200:
            steps.append("the dashboard's token no longer works: log in again")
        if session is not None:
            signed = http.get(
                "/api/v1/whoami", headers={"Authorization": "", "cookie": f"freeride_session={session}"}
            )
            if signed.status_code != 200:
                steps.append("the dashboard's session ended: sign in again")
        halts = http.get("/api/v1/kill-switch").json().get("halts", [])
        steps += [f"resume the {h['kind']} halt: {h['reason']}" for h in halts]
    with sqlite3.connect(db) as conn:  # orders held for a person's approval
        held = conn.execute("SELECT client_order_id FROM order_approvals WHERE state = 'pending'").fetchall()
    steps += [f"approve held order {cid}" for (cid,) in held]
    return steps


def run_day(plan: DayPlan) -> DayResult:
    plan.workdir.mkdir(parents=True, exist_ok=True)
    env = day_env(plan)
    result = DayResult()
    db = plan.workdir / "day.db"
    # set-up, once: a dashboard token that lasts
    token = _cli(env, "api", "token", "create", "--name", "dashboard", "--scope", "trade").strip()
    morning = Service(
        ["--serve", "--port", "0", "--speed", f"{plan.speed:g}", "--from", plan.start.isoformat()], env
    )
    observer: Observer | None = None
    try:
        if plan.on_process is not None:
            plan.on_process(morning.process.pid)
        url = morning.wait_for(URL.pattern)[0][1].group(1)
        morning.wait_for(r"live_started")
        observer = Observer(url, token)
        session = _sign_in(url, token)  # the trader signs the dashboard in once, in the morning
        watched = [*WATCH_STOCKS, *WATCH_FX][: plan.alerts]
        with httpx.Client(base_url=url, timeout=10, headers={"Authorization": f"Bearer {token}"}) as http:
            for symbol in watched:
                created = http.post(
                    "/api/v1/alerts", json={"symbol": symbol, "kind": "above", "threshold": 0.01}
                )
                if created.status_code != 201:
                    raise AssertionError(f"alert on {symbol}: {created.status_code} {created.text}")
        time.sleep(plan.morning_s)
        morning.process.send_signal(signal.SIGKILL)
        morning.process.wait(30)
    finally:
        if observer is not None:
            observer.close()
        morning.close()
    seen_fills, seen_firings = (observer.fills, observer.firings) if observer is not None else (set(), [])
    fills, firings, newest_bar = _stored(db)
    result.events_seen = len(seen_fills) + len(seen_firings)
    result.events_lost = len(seen_fills - fills) + len(set(seen_firings) - set(firings))

    # the restart: the clock carries on from the last bar the killed process stored
    resume_at = datetime.fromtimestamp(newest_bar / 1e9, UTC) + timedelta(minutes=1)
    afternoon = Service(
        ["--serve", "--port", "0", "--speed", f"{plan.speed:g}", "--from", resume_at.isoformat()], env
    )
    try:
        if plan.on_process is not None:
            plan.on_process(afternoon.process.pid)
        sleeves = len(STOCK_SLEEVES) + len(FX_SLEEVES)
        result.restart_to_ready_s = afternoon.wait_for(r"live_started")[0][0] - afternoon.spawned
        warm = r'^(?=.*"warm": true)(?=.*"event": "strategy\.first_decision")'
        decided = afternoon.wait_for(warm, count=sleeves)
        result.restart_to_decision_s = decided[0][0] - afternoon.spawned
        first = next(i for i, (t, _) in enumerate(afternoon.lines) if t == decided[0][0])
        result.restart_cpu_s = afternoon.cpu_at[first]
        result.restart_to_all_decided_s = decided[-1][0] - afternoon.spawned
        url = afternoon.wait_for(URL.pattern)[0][1].group(1)
        result.continued = bool(afternoon.wait_for(f'"ledger": "{LEDGER}".*"event": "paper.continued"', 10))
        steps = _manual_steps(url, token, db, session)
        if not result.continued:
            steps.append("the paper account did not continue: start it again by hand")
        result.manual_steps, result.manual_reasons = len(steps), steps
        time.sleep(plan.afternoon_s)
        result.final_exit, result.summary = afternoon.stop(signal.SIGTERM)
        result.notes = [line for _, line in afternoon.lines if line.startswith("note:")]
    finally:
        afternoon.close()
    _, firings_after, _ = _stored(db)
    result.watch_alerts_fired = len(set(firings_after))
    result.duplicate_firings = len(firings_after) - len(set(firings_after))
    return result


def as_json(result: DayResult) -> dict[str, Any]:
    return {
        "restart_to_ready_s": round(result.restart_to_ready_s, 3),
        "restart_to_decision_s": round(result.restart_to_decision_s, 3),
        "restart_cpu_s": round(result.restart_cpu_s, 3),
        "restart_to_all_decided_s": round(result.restart_to_all_decided_s, 3),
        "events_seen": result.events_seen,
        "events_lost": result.events_lost,
        "duplicate_firings": result.duplicate_firings,
        "manual_steps": result.manual_steps,
        "watch_alerts_fired": result.watch_alerts_fired,
    }
