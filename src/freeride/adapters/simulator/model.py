"""Prices as a deterministic function of (seed, symbol, time): GBM with jumps, bridged intraday.

Daily closes are a geometric Brownian motion with Poisson jumps, one step per weekday from
1970-01-01, with a slow pull of the log price back to the instrument's start price (half-life
``reversion_half_life_years``): without it five decades of drift and jumps would put a stock at
millions or a major pair at 0.3, and a simulator is for plausible prices. Within a day, the
minute path is a Brownian bridge from the previous close to the day's close, so intraday bars,
daily bars and the latest price always agree with each other. Each path comes from its own
generator seeded by hashing (seed, symbol[, day]), so asking for 2020 first or 2024 first gives
the same numbers, and two processes with one seed agree.

With market hours (``PriceModel(config, hours)``, the default of ``freeride live``) the intraday
path runs over the instrument's real sessions instead of the fixed weekday session: each session
is a bridge from the close of the previous *session* (not the previous calendar day) to its day's
close, so prices stand still while the market is closed (weekends, holidays, nights) and resume
where they stopped, and a half day's path is as short as its session.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
import time
from collections import OrderedDict

from freeride.adapters.simulator.config import SimulatorConfig
from freeride.core.clock import NS_PER_SECOND
from freeride.core.instruments import AssetClass, Instrument
from freeride.core.sessions import Session
from freeride.ports.calendar import MarketHours

DAY_NS = 86_400 * NS_PER_SECOND
MINUTE_NS = 60 * NS_PER_SECOND
_TRADING_DAYS = 252.0
_BLOCK = 1_000
_FX_START = {
    "EUR/USD": 1.10,
    "GBP/USD": 1.30,
    "USD/JPY": 140.0,
    "USD/CHF": 0.90,
    "AUD/USD": 0.70,
    "USD/CAD": 1.30,
    "NZD/USD": 0.65,
}


def _rng(*parts: object) -> random.Random:
    digest = hashlib.blake2b("|".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def let_the_loop_run() -> None:
    """Hand the GIL over for a moment. History is computed in a worker thread (seconds of CPU for
    decades of days); the event loop's thread, woken meanwhile, would otherwise wait out a full
    switch interval for the GIL at every step, and with several steps per callback the engine
    runs tens of milliseconds late. A zero sleep releases the GIL at once; on the loop's own
    thread it costs a microsecond."""
    time.sleep(0)


def is_weekday(day: int) -> bool:
    return (day + 3) % 7 < 5  # 1970-01-01 was a Thursday


class PriceModel:
    """Closes per day and minute paths per day for every instrument asked about."""

    def __init__(self, config: SimulatorConfig, hours: MarketHours | None = None) -> None:
        self.config = config
        self.hours = hours
        self._closes: dict[str, list[float]] = {}
        self._paths: OrderedDict[tuple[str, int, int, int], list[float]] = OrderedDict()
        self._lock = threading.RLock()  # history is built in a worker thread, quotes on the loop

    # -- parameters -----------------------------------------------------------------------
    def _vol(self, instrument: Instrument) -> float:
        return self.config.fx_vol if instrument.is_forex else self.config.stock_vol

    def start_price(self, instrument: Instrument) -> float:
        if instrument.is_forex:
            known = _FX_START.get(instrument.symbol)
            return (
                known if known is not None else 0.5 + 1.5 * _rng(self.config.seed, instrument.symbol).random()
            )
        return round(10 + 290 * _rng(self.config.seed, instrument.symbol, "start").random(), 2)

    def session(self, instrument: Instrument) -> tuple[int, int]:
        """(first minute after midnight UTC, number of minutes) of the trading day."""
        if instrument.asset_class is AssetClass.FOREX:
            return 0, 1_440
        return self.config.session_open_min, self.config.session_minutes

    # -- daily closes -------------------------------------------------------------------------
    def close(self, instrument: Instrument, day: int) -> float:
        """The close of ``day`` (days since 1970-01-01); weekends carry Friday's close."""
        if day < 0:
            return self.start_price(instrument)
        closes = self._closes.setdefault(instrument.symbol, [])
        if len(closes) <= day:
            with self._lock:
                if len(closes) <= day:
                    self._extend(instrument, closes, day)
        return closes[day]

    def _extend(self, instrument: Instrument, closes: list[float], day: int) -> None:
        cfg = self.config
        vol = self._vol(instrument)
        dt = 1.0 / _TRADING_DAYS
        pull = math.log(2) / cfg.reversion_half_life_years * dt
        centre = math.log(self.start_price(instrument))
        step_sd = vol * math.sqrt(dt)
        jump_p = cfg.jumps_per_year * dt
        rng = _rng(cfg.seed, instrument.symbol, "daily", len(closes) // _BLOCK)
        price = closes[-1] if closes else self.start_price(instrument)
        # Whole blocks of days, each from its own generator: extending the cache a day at a time or
        # a decade at once draws the same numbers for the same days.
        for d in range(len(closes), (day // _BLOCK + 1) * _BLOCK):
            if d % _BLOCK == 0:
                rng = _rng(cfg.seed, instrument.symbol, "daily", d // _BLOCK)
                let_the_loop_run()
            if is_weekday(d):
                step = pull * (centre - math.log(price)) + step_sd * rng.gauss(0.0, 1.0)
                if rng.random() < jump_p:
                    step += rng.gauss(0.0, cfg.jump_std)
                price *= math.exp(step)
            closes.append(price)

    # -- intraday -------------------------------------------------------------------------------
    def minute_path(
        self, instrument: Instrument, day: int, minutes: int | None = None, prev_day: int | None = None
    ) -> list[float]:
        """Prices at the end of each session minute of ``day``: a bridge from the close of
        ``prev_day`` (default the day before) over ``minutes`` (default the fixed session)."""
        minutes = self.session(instrument)[1] if minutes is None else minutes
        prev_day = day - 1 if prev_day is None else prev_day
        with self._lock:
            return self._minute_path(instrument, day, minutes, prev_day)

    def _minute_path(self, instrument: Instrument, day: int, minutes: int, prev_day: int) -> list[float]:
        key = (instrument.symbol, day, minutes, prev_day)
        path = self._paths.get(key)
        if path is not None:
            self._paths.move_to_end(key)
            return path
        start, end = self.close(instrument, prev_day), self.close(instrument, day)
        rng = _rng(self.config.seed, instrument.symbol, "minutes", day)
        sd = self._vol(instrument) / math.sqrt(_TRADING_DAYS * minutes)
        walk = [0.0]
        for _ in range(minutes):
            walk.append(walk[-1] + sd * rng.gauss(0.0, 1.0))
        total = math.log(end / start)
        last = walk[-1]
        path = [start * math.exp(w - (i / minutes) * (last - total)) for i, w in enumerate(walk[1:], 1)]
        self._paths[key] = path
        if len(self._paths) > 256:
            self._paths.popitem(last=False)
        return path

    def price_at(self, instrument: Instrument, ts_ns: int) -> float:
        """The last traded price at ``ts_ns``."""
        if self.hours is not None:
            return self._price_in_sessions(self.hours, instrument, ts_ns)
        day = ts_ns // DAY_NS
        while not is_weekday(day):
            day -= 1
            ts_ns = (day + 1) * DAY_NS - 1
        first, minutes = self.session(instrument)
        minute = (ts_ns - day * DAY_NS) // MINUTE_NS - first
        if minute < 0:
            return self.close(instrument, day - 1)
        if minute >= minutes:
            return self.close(instrument, day)
        return self.minute_path(instrument, day, minutes)[minute]

    def _price_in_sessions(self, hours: MarketHours, instrument: Instrument, ts_ns: int) -> float:
        session = hours.session(instrument, ts_ns)
        if session is None:  # closed: the last session's close
            last = hours.calendar_of(instrument).session_before(ts_ns)
            return self.close(instrument, _day(last) if last is not None else ts_ns // DAY_NS - 1)
        minutes = max(1, -(-(session.close_ns - session.open_ns) // MINUTE_NS))
        minute = min((ts_ns - session.open_ns) // MINUTE_NS, minutes - 1)
        prev_day = self.previous_day(hours, instrument, session)
        return self.minute_path(instrument, _day(session), minutes, prev_day)[minute]

    def previous_day(self, hours: MarketHours, instrument: Instrument, session: Session) -> int:
        """The day (since the epoch) of the session before ``session``: where its path starts."""
        before = hours.calendar_of(instrument).session_before(session.open_ns)
        return _day(before) if before is not None else _day(session) - 1

    def spread(self, instrument: Instrument, price: float, ts_ns: int) -> float:
        """Bid-ask spread: a few bps for stocks, under a pip for majors, wider now and then."""
        u = _rng(self.config.seed, instrument.symbol, "spread", ts_ns // NS_PER_SECOND).random()
        tick = float(instrument.tick_size)
        if instrument.is_forex:
            pip = 0.01 if instrument.quote_currency == "JPY" else 0.0001
            raw = self.config.fx_spread_pips * pip * (0.6 + 0.8 * u)
        else:
            raw = price * self.config.stock_spread_bps / 10_000 * (0.6 + 0.8 * u)
        return max(tick, round(raw / tick) * tick)

    def volume(self, instrument: Instrument, day: int, minute: int) -> float:
        if instrument.is_forex:
            return 0.0
        rng = _rng(self.config.seed, instrument.symbol, "volume", day, minute)
        return float(int(2_000 * math.exp(rng.gauss(0.0, 0.6))))


def _day(session: Session) -> int:
    return session.day_ns // DAY_NS
