"""The simulator as a ``MarketData`` provider: any listable symbol, any interval, no key, no network.

A symbol no market could list (``hello``, ``EURUSD``, ``ABC/XYZ``) is refused with an error
naming it (``symbols.check``), never priced.

History is computed, not fetched: a decade of daily bars is some 2,600 simulated sessions of 390
minutes each (seconds of CPU), and a symbol's first price walks its daily closes from 1970. Both
run in a worker thread (one for histories, one for prices, each taking requests in turn) that
hands the GIL back between days, so an API request for a long range or fifty new symbols cannot
stall the event loop the engine shares; the price model locks its caches for it.
"""

from __future__ import annotations

import asyncio

from freeride.adapters.simulator import symbols
from freeride.adapters.simulator.config import SimulatorConfig
from freeride.adapters.simulator.model import DAY_NS, MINUTE_NS, PriceModel, is_weekday, let_the_loop_run
from freeride.core.clock import Clock
from freeride.core.errors import InvalidInput
from freeride.core.instruments import AssetClass, Instrument, forex
from freeride.core.market import INTERVAL_SECONDS, Bar
from freeride.core.snapshot import Snapshot
from freeride.ports.calendar import MarketHours
from freeride.ports.market_data import RequestKind

MAX_BARS = 200_000


class SimulatorData:
    """Answers from ``PriceModel`` at the clock's time; ``ts_init`` is the clock's time too.

    With ``hours`` the latest price follows the instruments' real sessions (see ``PriceModel``);
    history bars keep the model's fixed weekday session either way.
    """

    name = "simulator"

    def __init__(
        self, clock: Clock, config: SimulatorConfig | None = None, hours: MarketHours | None = None
    ) -> None:
        self._clock = clock
        self.config = config or SimulatorConfig()
        self.hours = hours
        self.model = PriceModel(self.config, hours)
        # One worker thread each for history and for prices: more would only fight the event loop's
        # thread for the GIL, and a long history must not hold up a quote.
        self._history_slot = asyncio.Semaphore(1)
        self._price_slot = asyncio.Semaphore(1)
        self._checked: set[Instrument] = set()

    def check(self, instrument: Instrument) -> None:
        """Raise ``InvalidInput`` naming the symbol when no market could list it (once per instrument)."""
        if instrument not in self._checked:
            symbols.check(instrument)
            self._checked.add(instrument)

    def supports(self, kind: RequestKind, asset_class: AssetClass, interval: str | None = None) -> bool:
        return interval is None or interval in INTERVAL_SECONDS

    async def latest(self, instrument: Instrument) -> Snapshot:
        self.check(instrument)
        async with self._price_slot:
            return await asyncio.to_thread(self.snapshot, instrument, self._clock.now_ns())

    def snapshot(self, instrument: Instrument, now: int) -> Snapshot:
        self.check(instrument)
        price = self.model.price_at(instrument, now)
        half = self.model.spread(instrument, price, now) / 2
        digits = instrument.price_precision
        prev = self._previous_day(instrument, now)
        return Snapshot(
            symbol=instrument.symbol,
            price=round(price, digits),
            bid=round(price - half, digits),
            ask=round(price + half, digits),
            prev_close=round(self.model.close(instrument, prev), digits),
            provider=self.name,
            ts_event=now,
            ts_init=now,
        )

    def _previous_day(self, instrument: Instrument, now: int) -> int:
        """The day whose close the current price is compared with: the session before the
        current one (or, while closed, before the last one)."""
        hours = self.hours
        if hours is None:
            return _weekday_before(self._trading_day(instrument, now))
        current = hours.session(instrument, now) or hours.calendar_of(instrument).session_before(now)
        if current is None:
            return now // DAY_NS - 1
        return self.model.previous_day(hours, instrument, current)

    def _trading_day(self, instrument: Instrument, now: int) -> int:
        """The day the current price belongs to: today once its session opened, else the last one."""
        day = now // DAY_NS
        first, _ = self.model.session(instrument)
        if is_weekday(day) and now >= day * DAY_NS + first * MINUTE_NS:
            return day
        return _weekday_before(day)

    async def fx_rate(self, base: str, quote: str) -> Snapshot:
        return await self.latest(forex(f"{base}/{quote}"))

    async def bars(self, instrument: Instrument, interval: str, start_ns: int, end_ns: int) -> list[Bar]:
        self.check(instrument)
        seconds = INTERVAL_SECONDS.get(interval)
        if seconds is None:
            raise InvalidInput(
                f"simulator: unknown interval {interval!r}; use one of {', '.join(INTERVAL_SECONDS)}"
            )
        if end_ns <= start_ns:
            return []
        if (end_ns - start_ns) // (seconds * 10**9) > MAX_BARS:
            raise InvalidInput(
                f"simulator: more than {MAX_BARS:,} {interval} bars asked for; narrow the range"
            )
        async with self._history_slot:
            return await asyncio.to_thread(self._history, instrument, interval, start_ns, end_ns, seconds)

    def _history(
        self, instrument: Instrument, interval: str, start_ns: int, end_ns: int, seconds: int
    ) -> list[Bar]:
        now = self._clock.now_ns()
        if interval == "1w":
            days = self._days(start_ns - 6 * DAY_NS, end_ns)
            bars = [b for b in self._weekly(instrument, days, now) if start_ns <= b.ts_event < end_ns]
        elif interval == "1d":
            bars = [self._daily(instrument, d, now) for d in self._days(start_ns, end_ns)]
        else:
            bars = self._intraday(instrument, interval, seconds // 60, start_ns, end_ns, now)
        return [b for b in bars if b.ts_event < now]

    @staticmethod
    def _days(start_ns: int, end_ns: int) -> list[int]:
        first = -(-start_ns // DAY_NS)
        return [d for d in range(first, (end_ns - 1) // DAY_NS + 1) if is_weekday(d)]

    def _daily(self, instrument: Instrument, day: int, now: int) -> Bar:
        let_the_loop_run()
        path = self.model.minute_path(instrument, day)
        o = self.model.close(instrument, day - 1)
        volume = sum(self.model.volume(instrument, day, m) for m in range(0, len(path), 30)) * 30
        return self._bar(
            instrument, "1d", day * DAY_NS, o, max(o, *path), min(o, *path), path[-1], volume, now
        )

    def _weekly(self, instrument: Instrument, days: list[int], now: int) -> list[Bar]:
        weeks: dict[int, list[Bar]] = {}
        for d in days:
            weeks.setdefault(d - (d + 3) % 7, []).append(self._daily(instrument, d, now))
        out = []
        for monday, group in sorted(weeks.items()):
            out.append(
                self._bar(
                    instrument,
                    "1w",
                    monday * DAY_NS,
                    group[0].open,
                    max(b.high for b in group),
                    min(b.low for b in group),
                    group[-1].close,
                    sum(b.volume for b in group),
                    now,
                )
            )
        return out

    def _intraday(
        self, instrument: Instrument, interval: str, step: int, start_ns: int, end_ns: int, now: int
    ) -> list[Bar]:
        first, minutes = self.model.session(instrument)
        out: list[Bar] = []
        for day in self._days(start_ns - DAY_NS + 1, end_ns):
            let_the_loop_run()
            base = day * DAY_NS + first * MINUTE_NS
            if base >= end_ns or base + minutes * MINUTE_NS <= start_ns:
                continue
            path = self.model.minute_path(instrument, day)
            prev = self.model.close(instrument, day - 1)
            for k in range(0, minutes, step):
                ts = base + k * MINUTE_NS
                if not start_ns <= ts < end_ns:
                    continue
                chunk = path[k : k + step]
                o = path[k - 1] if k else prev
                volume = sum(self.model.volume(instrument, day, m) for m in range(k, k + len(chunk)))
                out.append(
                    self._bar(
                        instrument, interval, ts, o, max(o, *chunk), min(o, *chunk), chunk[-1], volume, now
                    )
                )
        return out

    @staticmethod
    def _bar(
        instrument: Instrument,
        interval: str,
        ts: int,
        o: float,
        h: float,
        low: float,
        c: float,
        volume: float,
        now: int,
    ) -> Bar:
        digits = instrument.price_precision
        return Bar(
            symbol=instrument.symbol,
            interval=interval,
            open=round(o, digits),
            high=round(h, digits),
            low=round(low, digits),
            close=round(c, digits),
            volume=volume,
            ts_event=ts,
            ts_init=now,
        )

    async def aclose(self) -> None:
        return None


def _weekday_before(day: int) -> int:
    day -= 1
    while not is_weekday(day):
        day -= 1
    return day
