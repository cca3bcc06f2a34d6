"""The anomaly watch: feeds the monitor from the bus and the process's figures, and tells the
operator through the outbox, once per opening and once per resolution.

On the bus (synchronously, cheap): every quote, trade and bar stamps its symbol's last tick (a
dict write); system events (errors, failovers, circuits), rejected orders, account equity and
fills' slippage (from the observer) go to their rules. Every ``every_s`` on the clock the watch
runs the absence rules and reads the interval's mean latency of each latency source (providers,
database commits, bus handlers, deliveries) and each data family's event rate.

Each opening and resolution is published on ``ops.anomaly.<detector>`` (the journal writes it,
``/ws`` streams it) and becomes one outbox notification per channel. At start the anomalies the
journal shows still open are restored, so a restart neither forgets nor repeats them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence

import structlog

from freeride.bus import topics
from freeride.core.anomaly import Anomaly, AnomalyResolved
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.latency import LatencyHistogram
from freeride.core.market import Bar, Quote, Trade
from freeride.core.notify import Notification, outbox_ready
from freeride.core.orders import AccountState, Order, OrderStatus
from freeride.ops.anomaly.monitor import Monitor, Rules, SessionCheck, always_open
from freeride.ops.anomaly.notes import anomaly_notification
from freeride.ports.bus import Bus, Subscription
from freeride.ports.journal import JournalQuery, JournalRepository
from freeride.ports.notify import OutboxRepository

log = structlog.get_logger(__name__)

LatencySources = Mapping[str, Callable[[], LatencyHistogram | Mapping[str, LatencyHistogram]]]
RESTORE_DAYS = 30


class AnomalyWatch(Component):
    name = "anomaly-watch"

    def __init__(
        self,
        bus: Bus,
        clock: Clock,
        *,
        outbox: OutboxRepository | None = None,
        channels: Sequence[str] = (),
        journal: JournalRepository | None = None,
        session: SessionCheck = always_open,
        rules: Rules | None = None,
        latency: LatencySources | None = None,
        topic_counts: Callable[[], Mapping[str, int]] | None = None,
        symbols: Sequence[str] = (),
        every_s: float = 5.0,
    ) -> None:
        super().__init__()
        self._bus = bus
        self._clock = clock
        self._outbox = outbox
        self.channels = list(channels)
        self._journal = journal
        self.monitor = Monitor(self._emitted, rules, session)
        self._latency = dict(latency or {})
        self._counts = topic_counts
        self.symbols = list(symbols)
        self.every_s = every_s
        self._seen: dict[str, tuple[int, float]] = {}  # latency series: count, sum at the last look
        self._rates: dict[str, int] = {}
        self._last_check = 0
        self._unsent: list[Notification] = []
        self._subs: list[Subscription] = []
        self._task: asyncio.Task[None] | None = None
        self.notified = 0

    def add_latency(
        self, name: str, read: Callable[[], LatencyHistogram | Mapping[str, LatencyHistogram]]
    ) -> None:
        """Watch a latency series (or a family of them, by name) for level shifts."""
        self._latency[name] = read

    async def _on_start(self) -> None:
        now = self._clock.now_ns()
        self._last_check = now
        for symbol in self.symbols:
            self.monitor.watch(symbol, now)
        await self._restore(now)
        m = self.monitor
        sub = self._bus.subscribe
        self._subs = [
            sub(topics.ALL_QUOTES, self._on_market),
            sub(topics.ALL_TRADES, self._on_market),
            sub(topics.ALL_BARS, self._on_market),
            sub(topics.ALL_SYSTEM, m.system),
            sub(topics.ALL_ORDER_UPDATES, self._on_order),
            sub(topics.ALL_ACCOUNTS, self._on_account),
        ]
        self._task = self.spawn(self._loop)

    async def _on_stop(self) -> None:
        for s in self._subs:
            s.cancel()
        self._subs = []
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._flush()

    async def _restore(self, now: int) -> None:
        if self._journal is None:
            return
        try:
            records = await self._journal.query(
                JournalQuery(
                    kinds=("anomaly", "anomaly_resolved"),
                    start_ns=now - RESTORE_DAYS * 86_400 * NS_PER_SECOND,
                    limit=10_000,
                )
            )
        except Exception as exc:
            log.warning("anomalies.restore_failed", error=repr(exc))
            return
        still: dict[str, Anomaly] = {}
        for record in records:
            e = record.event
            key = str(e.data.get("key", ""))
            if e.kind == "anomaly_resolved":
                still.pop(key, None)
                continue
            still[key] = Anomaly(
                key=key,
                detector=str(e.data.get("detector", "")),
                subject=str(e.data.get("subject", "")),
                symbol=e.symbol,
                level=e.level,
                value=float(e.data.get("value") or 0.0),
                baseline=float(e.data.get("baseline") or 0.0),
                why=e.message,
                ts_event=e.ts_event,
                ts_init=e.ts_init,
            )
        self.monitor.restore(still.values())

    # -- bus handlers ----------------------------------------------------------------------------
    def _on_market(self, e: Quote | Trade | Bar) -> None:
        self.monitor.tick(e.symbol, e.ts_init)

    def _on_order(self, e: Order) -> None:
        if e.status is OrderStatus.REJECTED:
            self.monitor.rejected(e.symbol, e.ts_init)

    def _on_account(self, e: AccountState) -> None:
        # market time: a replay's equity moves over days of history within seconds of the clock
        self.monitor.equity(e.account, float(e.equity), e.ts_event)

    def on_slippage(self, symbol: str, bps: float, ts: int) -> None:
        self.monitor.slippage(symbol, bps, ts)

    # -- the clock -------------------------------------------------------------------------------
    async def _loop(self) -> None:
        while True:
            await self._clock.sleep(self.every_s)
            self.look(self._clock.now_ns())
            await self._flush()

    def look(self, now: int) -> None:
        """One round of the periodic rules (the loop calls it every ``every_s``)."""
        elapsed = (now - self._last_check) / NS_PER_SECOND
        self._last_check = now
        for name, read in self._latency.items():
            found = read()
            series = found.items() if isinstance(found, Mapping) else [(name, found)]
            for key, histogram in series:
                label = key if key == name else f"{name}:{key}"
                count, total = self._seen.get(label, (0, 0.0))
                if histogram.count > count:
                    self.monitor.latency(label, (histogram.sum - total) / (histogram.count - count), now)
                self._seen[label] = (histogram.count, histogram.sum)
        if self._counts is not None and elapsed > 0:
            any_open = any(self.monitor.session(s, now) for s in self.monitor.last_tick)
            totals: dict[str, int] = {}
            for topic, n in self._counts().items():
                if topic.startswith("data."):
                    family = ".".join(topic.split(".", 2)[:2])
                    totals[family] = totals.get(family, 0) + n
            for family, n in totals.items():
                before = self._rates.get(family, n)
                self._rates[family] = n
                if any_open and before:
                    self.monitor.rate(family, (n - before) / elapsed, now)
        self.monitor.check(now)

    # -- telling the operator --------------------------------------------------------------------
    def _emitted(self, event: Anomaly | AnomalyResolved) -> None:
        topic = topics.anomaly(event.detector)
        self._bus.publish(topic, event)
        log.warning(
            "anomaly.opened" if isinstance(event, Anomaly) else "anomaly.resolved",
            key=event.key,
            why=event.why,
        )
        now = self._clock.now_ns()
        for channel in self.channels:
            self._unsent.append(anomaly_notification(event, channel, now))

    async def _flush(self) -> None:
        if not self._unsent or self._outbox is None:
            self._unsent.clear()
            return
        notes, self._unsent = self._unsent, []
        try:
            await self._outbox.enqueue(notes)
        except Exception as exc:  # kept for the next round: the outbox is the database
            self._unsent = notes + self._unsent
            log.error("anomalies.outbox_failed", error=repr(exc), waiting=len(self._unsent))
            return
        self.notified += len(notes)
        self._bus.publish(topics.outbox_ready(), outbox_ready(len(notes), "anomalies", self._clock.now_ns()))
