"""The gateway: one way in for quotes and bars, whichever provider ends up answering.

A request walks the chain for its kind and asset class. A provider is skipped, with the reason
recorded, when its circuit is open or its limiter says no (a quota is reported once, then simply
skipped until it resets). A provider that fails sends the request on to the next one. When one
answers after others were skipped, that failover is a ``SystemEvent``; when none answers, the
error names every provider's reason. Answers are cached for a short TTL and concurrent asks for
the same thing share one upstream call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import TypeVar, cast

import structlog
from cachetools import TTLCache

from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.errors import AuthError, InvalidInput, NotAvailable, RateLimited, TemporaryError
from freeride.core.instruments import AssetClass, Instrument, forex, parse_instrument
from freeride.core.latency import LatencyHistogram
from freeride.core.market import Bar
from freeride.core.snapshot import Snapshot
from freeride.gateway.config import GatewayConfig
from freeride.gateway.errors import NoProviderAnswered
from freeride.gateway.flight import SingleFlight, ttl_cache
from freeride.gateway.providers import ProviderSpec, ProviderState, ProviderStatus
from freeride.gateway.reports import Reporter
from freeride.net.breaker import ChangeListener, CircuitState
from freeride.net.errors import NotEntitled, QuotaExhausted, reason
from freeride.net.retry import retrying
from freeride.ports.bus import Bus
from freeride.ports.market_data import MarketData, RequestKind

log = structlog.get_logger(__name__)
T = TypeVar("T")
Chains = Mapping[tuple[RequestKind, AssetClass], Sequence[str]]


class MarketDataGateway(Component):
    name = "gateway"

    def __init__(
        self,
        providers: Sequence[ProviderSpec],
        bus: Bus,
        clock: Clock,
        config: GatewayConfig | None = None,
        chains: Chains | None = None,
    ) -> None:
        super().__init__()
        self.config = config or GatewayConfig()
        self._clock = clock
        self.reporter = Reporter(bus, clock)
        self._states: dict[str, ProviderState] = {}
        for spec in providers:
            state = ProviderState(
                spec,
                clock,
                threshold=self.config.failure_threshold,
                reset_s=self.config.reset_timeout_s,
                on_circuit_change=self._circuit_listener(spec.name),
            )
            self._states[spec.name] = state
        self._chains = dict(chains or {})
        self._quotes = ttl_cache(clock, maxsize=self.config.cache_size, ttl_s=self.config.quote_ttl_s)
        self._bars = ttl_cache(clock, maxsize=self.config.cache_size, ttl_s=self.config.bars_ttl_s)
        self._flight: SingleFlight[object] = SingleFlight()
        self.upstream_calls = 0
        self.cache_hits = 0  # answered from the TTL cache
        self.cache_misses = 0  # went to single flight (shared or not) and on to the providers
        self.failovers = 0  # answered by a provider after others in its chain were skipped
        self.unanswered = 0  # no provider in the chain could answer
        self._not_entitled: dict[tuple[str, RequestKind, AssetClass, str | None], int] = {}
        self.last_provider = ""  # who answered the latest request that reached a provider

    def _circuit_listener(self, name: str) -> ChangeListener:
        def changed(old: CircuitState, new: CircuitState, why: str) -> None:
            self.reporter.circuit(name, old.value, new.value, why)

        return changed

    # -- public API ------------------------------------------------------------------------------
    async def latest(self, symbol: str | Instrument) -> Snapshot:
        """The latest price of a stock or pair, from the first provider in its chain that answers."""
        instrument = _instrument(symbol)
        what = f"quote {instrument.symbol}"

        async def fetch() -> Snapshot:
            return await self._ask(RequestKind.QUOTE, instrument, None, what, lambda p: p.latest(instrument))

        return cast(Snapshot, await self._cached(self._quotes, ("quote", instrument.symbol), fetch))

    async def fx_rate(self, base: str, quote: str) -> Snapshot:
        return await self.latest(forex(f"{base.upper()}/{quote.upper()}"))

    async def bars(self, symbol: str | Instrument, interval: str, start_ns: int, end_ns: int) -> list[Bar]:
        instrument = _instrument(symbol)
        what = f"{interval} bars {instrument.symbol}"

        async def fetch() -> list[Bar]:
            return await self._ask(
                RequestKind.BARS,
                instrument,
                interval,
                what,
                lambda p: p.bars(instrument, interval, start_ns, end_ns),
            )

        key = ("bars", instrument.symbol, interval, start_ns, end_ns)
        return cast(list[Bar], await self._cached(self._bars, key, fetch))

    def chain(self, kind: RequestKind, asset_class: AssetClass, interval: str | None = None) -> list[str]:
        """Provider names asked, in order, for this kind of request."""
        order = self._chains.get((kind, asset_class), list(self._states))
        return [
            n
            for n in order
            if n in self._states and self._states[n].provider.supports(kind, asset_class, interval)
        ]

    @property
    def coalesced(self) -> int:
        """Requests that joined one already in flight instead of going upstream themselves."""
        return self._flight.joined

    def latencies(self) -> dict[str, LatencyHistogram]:
        """Each provider's upstream call latency (answered or failed), by provider name."""
        return {name: state.latency for name, state in self._states.items()}

    def status(self) -> list[ProviderStatus]:
        return [state.status() for state in self._states.values()]

    def provider_state(self, name: str) -> ProviderState | None:
        """One provider's limiter, breaker and counters, for other requests spending its allowance
        (news from the same key shares the provider's rate limit and circuit)."""
        return self._states.get(name)

    @property
    def providers(self) -> list[MarketData]:
        return [state.provider for state in self._states.values()]

    # -- machinery -------------------------------------------------------------------------------
    async def _cached(
        self, store: TTLCache[Hashable, object], key: Hashable, fetch: Callable[[], Awaitable[T]]
    ) -> object:
        hit = store.get(key)
        if hit is not None:
            self.cache_hits += 1
            return hit
        self.cache_misses += 1

        async def fill() -> object:
            value = await self._with_retry(fetch)
            store[key] = value
            return value

        return await self._flight.do(key, fill)

    async def _with_retry(self, fetch: Callable[[], Awaitable[T]]) -> T:
        max_wait = self.config.max_wait_s

        def short(exc: BaseException) -> bool:
            return (
                isinstance(exc, NoProviderAnswered)
                and exc.retry_after is not None
                and exc.retry_after <= max_wait
            )

        async for attempt in retrying(self._clock, attempts=self.config.attempts, should_retry=short):
            with attempt:
                return await fetch()
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def _ask(
        self,
        kind: RequestKind,
        instrument: Instrument,
        interval: str | None,
        what: str,
        call: Callable[[MarketData], Awaitable[T]],
    ) -> T:
        reasons: dict[str, str] = {}
        soonest: float | None = None
        for name in self.chain(kind, instrument.asset_class, interval):
            state = self._states[name]
            route = (name, kind, instrument.asset_class, interval)
            if self._not_entitled.get(route, 0) > self._clock.now_ns():
                reasons[name] = "not available: the plan does not include this (refused earlier)"
                continue
            if not state.breaker.allow():
                retry_in = state.breaker.retry_in_s()
                reasons[name] = f"circuit open, probe in {retry_in:.0f} s (last: {state.breaker.last_reason})"
                continue
            denial = state.limiter.try_acquire(state.weight(kind))
            if denial is not None:
                state.breaker.release()
                reasons[name] = f"{denial.reason}, free in {denial.wait_s:.1f} s"
                if denial.quota:
                    self._report_quota(state, denial.wait_s, denial.reason)
                else:
                    soonest = denial.wait_s if soonest is None else min(soonest, denial.wait_s)
                continue
            self.upstream_calls += 1
            state.calls += 1
            began = self._clock.now_ns()
            try:
                result = await call(state.provider)
            except Exception as exc:
                state.latency.observe((self._clock.now_ns() - began) / NS_PER_SECOND)
                if isinstance(exc, NotEntitled):
                    until = self._clock.now_ns() + round(self.config.not_entitled_s * NS_PER_SECOND)
                    self._not_entitled[route] = until
                wait = self._failed(state, exc)
                reasons[name] = reason(exc, state.name)
                if wait is not None:
                    soonest = wait if soonest is None else min(soonest, wait)
                continue
            except BaseException:
                state.breaker.release()  # cancelled: a half-open probe must not stay taken
                raise
            state.latency.observe((self._clock.now_ns() - began) / NS_PER_SECOND)
            state.breaker.record_success()
            state.quota_reported = False
            self.last_provider = name
            if reasons:
                self.failovers += 1
                self.reporter.failover(what, name, reasons)
            return result
        self.unanswered += 1
        self.reporter.unanswered(what, reasons)
        raise NoProviderAnswered(what, reasons, soonest)

    def _failed(self, state: ProviderState, exc: Exception) -> float | None:
        """Book a failure; returns the wait after which this provider could answer (rate limits)."""
        state.failures += 1
        state.last_error = reason(exc, state.name)
        now = self._clock.now_ns()
        if isinstance(exc, QuotaExhausted):
            wait = exc.retry_after or 3_600.0
            state.limiter.exhaust_day()
            state.limiter.block_until(now + round(wait * NS_PER_SECOND), "quota exhausted", quota=True)
            state.breaker.release()
            self._report_quota(state, wait, str(exc))
            return None
        if isinstance(exc, RateLimited):
            wait = exc.retry_after if exc.retry_after is not None else 1.0
            state.limiter.block_until(now + round(wait * NS_PER_SECOND), "rate limited", quota=False)
            state.breaker.release()
            return wait
        if isinstance(exc, AuthError):
            state.breaker.trip(f"auth: {exc}")
            self.reporter.auth(state.name, str(exc))
        elif isinstance(exc, TemporaryError):
            state.breaker.record_failure(str(exc))
        elif isinstance(exc, NotAvailable | InvalidInput):
            state.breaker.record_success()  # it answered, just not with data: healthy
        else:
            log.error("gateway.provider_bug", provider=state.name, error=repr(exc))
            state.breaker.record_failure(repr(exc))
        return None

    def _report_quota(self, state: ProviderState, wait_s: float, why: str) -> None:
        if not state.quota_reported:
            state.quota_reported = True
            self.reporter.quota(state.name, wait_s, why)

    async def _on_stop(self) -> None:
        for state in self._states.values():
            try:
                await state.provider.aclose()
            except Exception as exc:  # closing one provider must not keep the others open
                log.warning("gateway.close_failed", provider=state.name, error=repr(exc))


def _instrument(symbol: str | Instrument) -> Instrument:
    return symbol if isinstance(symbol, Instrument) else parse_instrument(symbol)
