"""The anomaly rules: what is abnormal for a trading process, opened once and resolved once.

Pure and clock-free: callers hand in observations with their times and call ``check(now)``
periodically; every opening and resolution goes to ``emit`` (the watch component publishes them
and notifies the operator). Rules, each keyed ``detector:subject``:

* ``stalled_feed:<symbol>``: no quote, trade or bar for ``stall_after_s`` while its market is
  open (``SessionCheck``: exchange sessions for stocks, the 24×5 week for forex); resolves with
  the next tick, or when the market closes;
* ``error_burst``: more than ``error_burst`` error or critical events in ``burst_window_s``;
* ``failover_storm``: more than ``failover_storm`` failovers in ``storm_window_s``;
* ``rejection_burst``: more than ``rejection_burst`` rejected orders in ``storm_window_s``;
* ``provider_down:<provider>``: its circuit opened; resolves when it closes;
* ``latency_step:<series>``: a level shift up (Page-Hinkley on EWMA z-scores) in a latency series
  (a provider, database commits, bus handlers, notification delivery), at least ``step_ratio``
  times the baseline; resolves when the level is back under half that;
* ``event_rate_drop:<family>``: events per second far below their EWMA (z < −``z``, under a
  fifth of the baseline), judged only while a watched market is open;
* ``drawdown_speed:<account>``: equity fell ``drawdown`` (a fraction) from its high of the last
  ``drawdown_window_s``; resolves when the fall is under half that;
* ``slippage:<symbol>``: a fill's slippage is a robust outlier (median/MAD z over recent fills)
  and at least ``slippage_min_bps``; resolves with the next ordinary fill.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

import msgspec

from freeride.core.anomaly import Anomaly, AnomalyResolved
from freeride.core.clock import NS_PER_SECOND
from freeride.core.system import Level, SystemEvent
from freeride.ops.anomaly.detectors import Ewma, Rate, RobustZ, Shift

Emit = Callable[[Anomaly | AnomalyResolved], None]


SessionCheck = Callable[[str, int], bool]
"""Whether a symbol's market is open at a time (ns)."""


def always_open(_symbol: str, _ts_ns: int) -> bool:
    return True


class Rules(msgspec.Struct, frozen=True, kw_only=True):
    """Thresholds; ``live`` false (a replay, whose feed simply ends) turns off the rules about
    data stopping: stalled feeds and event-rate drops."""

    live: bool = True
    stall_after_s: float = 120.0
    burst_window_s: float = 60.0
    error_burst: int = 10
    storm_window_s: float = 300.0
    failover_storm: int = 20
    rejection_burst: int = 5
    step_ratio: float = 3.0
    z: float = 6.0
    drawdown: float = 0.05
    drawdown_window_s: float = 900.0
    slippage_min_bps: float = 20.0


class Monitor:
    def __init__(self, emit: Emit, rules: Rules | None = None, session: SessionCheck = always_open) -> None:
        self.emit = emit
        self.rules = r = rules or Rules()
        self.session = session
        self.open: dict[str, Anomaly] = {}
        self.last_tick: dict[str, int] = {}
        self._errors = Rate(r.burst_window_s, r.error_burst)
        self._failovers = Rate(r.storm_window_s, r.failover_storm)
        self._rejections = Rate(r.storm_window_s, r.rejection_burst)
        self._latency: dict[str, Shift] = {}
        self._rates: dict[str, Ewma] = {}
        self._equity: dict[str, deque[tuple[int, float]]] = {}
        self._slippage: dict[str, RobustZ] = {}
        self.opened = 0
        self.resolved = 0

    # -- bookkeeping -------------------------------------------------------------------------
    def restore(self, anomalies: Iterable[Anomaly]) -> None:
        """Anomalies still open from before a restart: known, not announced again."""
        for a in anomalies:
            self.open[a.key] = a

    def _open(
        self,
        detector: str,
        subject: str,
        value: float,
        baseline: float,
        why: str,
        ts: int,
        *,
        symbol: str | None = None,
    ) -> None:
        key = f"{detector}:{subject}" if subject else detector
        if key in self.open:
            return
        anomaly = Anomaly(
            key=key,
            detector=detector,
            subject=subject,
            symbol=symbol,
            level=Level.WARNING,
            value=round(value, 9),
            baseline=round(baseline, 9),
            why=why,
            ts_event=ts,
            ts_init=ts,
        )
        self.open[key] = anomaly
        self.opened += 1
        self.emit(anomaly)

    def _resolve(self, key: str, value: float, why: str, ts: int) -> None:
        anomaly = self.open.pop(key, None)
        if anomaly is None:
            return
        self.resolved += 1
        self.emit(
            AnomalyResolved(
                key=key,
                detector=anomaly.detector,
                subject=anomaly.subject,
                symbol=anomaly.symbol,
                opened_ns=anomaly.ts_event,
                value=round(value, 9),
                baseline=anomaly.baseline,
                why=why,
                ts_event=ts,
                ts_init=ts,
            )
        )

    # -- observations ------------------------------------------------------------------------
    def tick(self, symbol: str, ts: int) -> None:
        """Market data for ``symbol`` arrived (called on every tick: one dict write, usually)."""
        if not self.rules.live:
            return
        self.last_tick[symbol] = ts
        if self.open and f"stalled_feed:{symbol}" in self.open:
            self._resolve(f"stalled_feed:{symbol}", 0.0, f"{symbol} data flows again", ts)

    def watch(self, symbol: str, since_ns: int) -> None:
        """Expect data for ``symbol`` from ``since_ns`` on, even before its first tick."""
        self.last_tick.setdefault(symbol, since_ns)

    def system(self, e: SystemEvent) -> None:
        r = self.rules
        if e.level in (Level.ERROR, Level.CRITICAL) and e.source != "ops":
            score = self._errors.update(e.ts_event)
            if score.alarm:
                self._open(
                    "error_burst",
                    "",
                    score.value,
                    r.error_burst,
                    f"{score.value:.0f} errors in {r.burst_window_s:.0f} s (more than {r.error_burst}); "
                    f"the last: {e.source}/{e.kind}",
                    e.ts_event,
                )
        if e.kind == "failover":
            score = self._failovers.update(e.ts_event)
            if score.alarm:
                self._open(
                    "failover_storm",
                    "",
                    score.value,
                    r.failover_storm,
                    f"{score.value:.0f} failovers in {r.storm_window_s:.0f} s: "
                    "the preferred providers keep refusing",
                    e.ts_event,
                )
        elif e.kind == "circuit":
            provider = str(e.data.get("provider", ""))
            if e.data.get("to") == "open":
                self._open(
                    "provider_down",
                    provider,
                    1.0,
                    0.0,
                    f"{provider} stopped answering, its circuit opened: {e.data.get('reason', '')}",
                    e.ts_event,
                )
            elif e.data.get("to") == "closed":
                self._resolve(f"provider_down:{provider}", 0.0, f"{provider} answers again", e.ts_event)

    def rejected(self, symbol: str, ts: int) -> None:
        r = self.rules
        score = self._rejections.update(ts)
        if score.alarm:
            self._open(
                "rejection_burst",
                "",
                score.value,
                r.rejection_burst,
                f"{score.value:.0f} orders rejected in {r.storm_window_s:.0f} s (the last for {symbol})",
                ts,
            )

    def latency(self, series: str, seconds: float, ts: int) -> None:
        """One interval's mean latency of ``series``."""
        shift = self._latency.get(series)
        if shift is None:
            shift = self._latency[series] = Shift()
        score = shift.update(seconds)
        key = f"latency_step:{series}"
        opened = self.open.get(key)
        if opened is None:
            if score.alarm and score.baseline > 0 and seconds >= self.rules.step_ratio * score.baseline:
                self._open(
                    "latency_step",
                    series,
                    seconds,
                    score.baseline,
                    f"{series} takes {seconds * 1e3:,.1f} ms, {seconds / score.baseline:.1f}× its usual "
                    f"{score.baseline * 1e3:,.1f} ms",
                    ts,
                )
        elif seconds < opened.baseline * self.rules.step_ratio / 2:
            self._resolve(key, seconds, f"{series} is back to {seconds * 1e3:,.1f} ms", ts)

    def rate(self, family: str, per_s: float, ts: int) -> None:
        """One interval's events per second of a topic family (call only while markets are open)."""
        if not self.rules.live:
            return
        ewma = self._rates.get(family)
        if ewma is None:
            ewma = self._rates[family] = Ewma(threshold=self.rules.z)
        score = ewma.update(per_s)
        key = f"event_rate_drop:{family}"
        if key not in self.open:
            if score.alarm and score.score < 0 and per_s < score.baseline / 5:
                self._open(
                    "event_rate_drop",
                    family,
                    per_s,
                    score.baseline,
                    f"{family} events fell to {per_s:,.2f}/s from about {score.baseline:,.2f}/s",
                    ts,
                )
        elif per_s >= self.open[key].baseline / 2:
            self._resolve(key, per_s, f"{family} events back to {per_s:,.2f}/s", ts)

    def equity(self, account: str, equity: float, ts: int) -> None:
        r = self.rules
        history = self._equity.setdefault(account, deque())
        history.append((ts, equity))
        edge = ts - int(r.drawdown_window_s * NS_PER_SECOND)
        while history and history[0][0] < edge:
            history.popleft()
        high = max(v for _, v in history)
        fall = (high - equity) / high if high > 0 else 0.0
        key = f"drawdown_speed:{account}"
        if key not in self.open and fall >= r.drawdown:
            self._open(
                "drawdown_speed",
                account,
                fall,
                r.drawdown,
                f"{account} fell {fall:.1%} within {r.drawdown_window_s / 60:.0f} min "
                f"(from {high:,.2f} to {equity:,.2f})",
                ts,
            )
        elif key in self.open and fall < r.drawdown / 2:
            self._resolve(key, fall, f"{account} recovered to {fall:.1%} below its recent high", ts)

    def slippage(self, symbol: str, bps: float, ts: int) -> None:
        detector = self._slippage.get(symbol)
        if detector is None:
            detector = self._slippage[symbol] = RobustZ(window=100, threshold=self.rules.z, warmup=10)
        score = detector.update(bps)
        key = f"slippage:{symbol}"
        if score.alarm and abs(bps) >= self.rules.slippage_min_bps:
            self._open(
                "slippage",
                symbol,
                bps,
                score.baseline,
                f"a {symbol} fill slipped {bps:,.1f} bps against a usual {score.baseline:,.1f} bps",
                ts,
                symbol=symbol,
            )
        elif key in self.open:
            self._resolve(key, bps, f"{symbol} fills slip {bps:,.1f} bps again", ts)

    # -- the clock ---------------------------------------------------------------------------
    def check(self, now: int) -> None:
        """Absence and cooling-down rules; call every few seconds."""
        r = self.rules
        stall_ns = int(r.stall_after_s * NS_PER_SECOND)
        for symbol, last in self.last_tick.items():
            key = f"stalled_feed:{symbol}"
            is_open = self.session(symbol, now)
            if key in self.open:
                if not is_open:
                    self._resolve(key, 0.0, f"{symbol}'s market closed", now)
            elif is_open and now - last > stall_ns and self.session(symbol, now - stall_ns):
                gap = (now - last) / NS_PER_SECOND
                self._open(
                    "stalled_feed",
                    symbol,
                    gap,
                    r.stall_after_s,
                    f"no {symbol} data for {gap:,.0f} s while its market is open",
                    now,
                    symbol=symbol,
                )
        for key, rate, limit in (
            ("error_burst", self._errors, r.error_burst),
            ("failover_storm", self._failovers, r.failover_storm),
            ("rejection_burst", self._rejections, r.rejection_burst),
        ):
            if key in self.open:
                n = rate.count(now)
                if n <= limit // 2:
                    self._resolve(key, float(n), f"down to {n} in the window", now)
