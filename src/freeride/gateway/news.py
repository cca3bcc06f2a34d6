"""News through the same limits and breakers as quotes: one allowance per provider key.

A news source of a market-data provider (Finnhub, Alpha Vantage, Massive) spends that provider's
allowance: it goes through the provider's own limiter and circuit breaker inside the market-data
gateway, so news polling can never starve quotes of their rate limit or hammer a provider whose
circuit is open. Feeds of no provider (RSS) get a limiter and breaker of their own.

Unlike quotes, news is not "first answer wins": feeds complement each other, so every source that
covers the request is asked, and one failing source (rate-limited, down, garbage) is reported and
skipped while the others answer; the stories recognise what several feeds carried twice.
Each failure and each rejected item is a ``SystemEvent`` naming the feed and the defect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import msgspec
import structlog

from freeride.bus.system_events import SystemEvents
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.errors import AuthError, InvalidInput, NotAvailable, RateLimited, TemporaryError
from freeride.core.instruments import Instrument
from freeride.core.news import NewsItem
from freeride.core.system import Detail, Level
from freeride.gateway.service import MarketDataGateway
from freeride.net.breaker import CircuitBreaker
from freeride.net.errors import QuotaExhausted, reason
from freeride.net.limiter import Limit, RateLimiter
from freeride.ports.bus import Bus
from freeride.ports.news import NewsSource

log = structlog.get_logger(__name__)
SOURCE = "news"
FEED_LIMITS = (Limit.per_minute(4),)


class _Guard(Protocol):
    name: str
    limiter: RateLimiter
    breaker: CircuitBreaker
    calls: int
    failures: int
    last_error: str


@dataclass
class FeedGuard:
    """Limiter and breaker of a feed that belongs to no market-data provider."""

    name: str
    limiter: RateLimiter
    breaker: CircuitBreaker
    calls: int = 0
    failures: int = 0
    last_error: str = ""


class SourceStatus(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    provider: str
    circuit: str
    calls: int
    failures: int
    items: int
    rejected: int
    last_error: str


@dataclass
class NewsFetch:
    items: list[NewsItem] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # source → why
    rejected: int = 0


class NewsGateway(Component):
    name = "news_gateway"

    def __init__(
        self,
        sources: Sequence[NewsSource],
        bus: Bus,
        clock: Clock,
        market: MarketDataGateway | None = None,
        feed_limits: tuple[Limit, ...] = FEED_LIMITS,
    ) -> None:
        super().__init__()
        self.sources = list(sources)
        self._bus = bus
        self._clock = clock
        self._events = SystemEvents(bus, clock, SOURCE, logged=False)
        self._guards: dict[str, _Guard] = {}
        for source in self.sources:
            shared = market.provider_state(source.provider) if market is not None else None
            self._guards[source.name] = shared or FeedGuard(
                source.name,
                RateLimiter(clock, feed_limits),
                CircuitBreaker(clock, failure_threshold=3, reset_timeout_s=300),
            )
        self._items: dict[str, int] = {s.name: 0 for s in self.sources}
        self._rejected: dict[str, int] = {s.name: 0 for s in self.sources}

    async def fetch(self, instrument: Instrument | None, since_ns: int, until_ns: int) -> NewsFetch:
        """Every source covering ``instrument`` (``None``: market news), each through its guard."""
        out = NewsFetch()
        what = instrument.symbol if instrument is not None else "market news"
        for source in self.sources:
            if not source.supports(instrument):
                continue
            guard = self._guards[source.name]
            if not guard.breaker.allow():
                out.skipped[source.name] = f"circuit open ({guard.breaker.last_reason})"
                continue
            denial = guard.limiter.try_acquire(1.0)
            if denial is not None:
                guard.breaker.release()
                out.skipped[source.name] = f"{denial.reason}, free in {denial.wait_s:.0f} s"
                continue
            guard.calls += 1
            try:
                batch = await source.news(instrument, since_ns, until_ns)
            except Exception as exc:
                out.skipped[source.name] = reason(exc, source.name)
                self._failed(guard, source.name, what, exc)
                continue
            except BaseException:
                guard.breaker.release()
                raise
            guard.breaker.record_success()
            out.answered.append(source.name)
            out.items.extend(batch.items)
            self._items[source.name] += len(batch.items)
            if batch.rejected:
                out.rejected += len(batch.rejected)
                self._rejected[source.name] += len(batch.rejected)
                self._report_rejected(source.name, what, batch.rejected)
        return out

    def status(self) -> list[SourceStatus]:
        return [
            SourceStatus(
                name=s.name,
                provider=s.provider,
                circuit=str(self._guards[s.name].breaker.state),
                calls=self._guards[s.name].calls,
                failures=self._guards[s.name].failures,
                items=self._items[s.name],
                rejected=self._rejected[s.name],
                last_error=self._guards[s.name].last_error,
            )
            for s in self.sources
        ]

    def _failed(self, guard: _Guard, name: str, what: str, exc: Exception) -> None:
        guard.failures += 1
        guard.last_error = reason(exc, name)
        now = self._clock.now_ns()
        if isinstance(exc, QuotaExhausted):
            guard.limiter.block_until(
                now + round((exc.retry_after or 3_600) * NS_PER_SECOND), "quota", quota=True
            )
            guard.breaker.release()
        elif isinstance(exc, RateLimited):
            guard.limiter.block_until(
                now + round((exc.retry_after or 1.0) * NS_PER_SECOND), "rate limited", quota=False
            )
            guard.breaker.release()
        elif isinstance(exc, AuthError):
            guard.breaker.trip(f"auth: {exc}")
        elif isinstance(exc, NotAvailable | InvalidInput):
            guard.breaker.record_success()
        elif isinstance(exc, TemporaryError):
            guard.breaker.record_failure(str(exc))
        else:
            log.error("news.source_bug", source=name, error=repr(exc))
            guard.breaker.record_failure(repr(exc))
        level = Level.ERROR if isinstance(exc, AuthError) else Level.WARNING
        self._emit(
            "news_failed",
            level,
            f"{name}: news for {what} failed: {guard.last_error}",
            {"feed": name, "request": what, "reason": guard.last_error},
        )

    def _report_rejected(self, name: str, what: str, problems: Sequence[str]) -> None:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        self._emit(
            "news_rejected",
            Level.WARNING,
            f"{name}: {len(problems)} news item(s) rejected for {what}: {shown}",
            {"feed": name, "request": what, "count": len(problems), "problems": shown},
        )

    def _emit(self, kind: str, level: Level, message: str, data: dict[str, Detail]) -> None:
        self._events.emit(level, kind, message, **data)

    async def _on_stop(self) -> None:
        for source in self.sources:
            try:
                await source.aclose()
            except Exception as exc:  # closing one feed must not keep the others open
                log.warning("news.close_failed", source=source.name, error=repr(exc))
