"""Making, storing, announcing and scoring trade plans: what the CLI, the API and live share.

``plan(symbol)`` reads the bars (through ``BarSource``: the gateway in live use, stored bars in a
replay) and the symbol's recent stories, builds the plan, stores it as the symbol's next version
with its notifications in the outbox (one transaction), and publishes it on
``research.plan.<symbol>``. ``evaluate()`` walks the bars after each plan still open and stores
its outcome; the track record is hit rate and average R per symbol.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import structlog

from freeride.bus import topics
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.component import Component
from freeride.core.errors import FreerideError, InvalidInput
from freeride.core.instruments import Instrument, parse_instrument
from freeride.core.market import INTERVAL_SECONDS, Bar
from freeride.core.notify import Notification, outbox_ready
from freeride.core.plans import OutcomeKind, PlanOutcome, TradePlan
from freeride.ports.bus import Bus
from freeride.ports.research import NewsRepository, PlanRepository
from freeride.research.plans.evaluate import TrackRecord, evaluate
from freeride.research.plans.planner import PlanConfig, make_plan

BarSource = Callable[[Instrument, str, int, int], Awaitable[list[Bar]]]
# How many account-currency units one unit of ``quote`` is worth (``quote``, ``account``, a price hint)
RateSource = Callable[[str, str], Awaitable[float]]
log = structlog.get_logger(__name__)
STORY_WINDOW_S = 3 * 86_400
FINAL = (OutcomeKind.TARGET, OutcomeKind.STOP, OutcomeKind.EXPIRED, OutcomeKind.NOT_TRIGGERED)


@dataclass(frozen=True)
class PlanServiceConfig:
    plan: PlanConfig = field(default_factory=PlanConfig)
    interval: str = "1d"
    history_bars: int = 120
    post_to: tuple[str, ...] = ()


def plan_notification(plan: TradePlan, channel: str) -> Notification:
    unit = "units" if plan.asset_class == "forex" else "shares"
    size = f"{plan.quantity} {unit}" + (f" ({plan.lots} lots)" if plan.lots is not None else "")
    fields = {
        "entry": f"{plan.entry_low:g} – {plan.entry_high:g}",
        "stop": f"{plan.stop:g}",
        "targets": f"{plan.target1:g} / {plan.target2:g}",
        "size": size,
        "risk": f"{plan.risk_amount} {plan.account_currency}",
        "R:R": f"{plan.reward_risk:g}",
        "confidence": f"{plan.confidence:.2f}",
    }
    if plan.pips_to_stop is not None:
        fields["pips to stop"] = f"{plan.pips_to_stop:g} (pip value {plan.pip_value} {plan.account_currency})"
    return Notification(
        channel=channel,
        title=f"📋 {plan.symbol} {plan.direction.value} plan",
        text=plan.rationale[:1_500],
        fields=fields,
        source="research",
        key=plan.plan_id,
        ts_event=plan.ts_event,
        ts_init=plan.ts_init,
    )


class PlanService:
    def __init__(
        self,
        plans: PlanRepository,
        news: NewsRepository,
        bars: BarSource,
        rates: RateSource,
        clock: Clock,
        bus: Bus | None = None,
        config: PlanServiceConfig | None = None,
    ) -> None:
        self.plans = plans
        self.news = news
        self.bars = bars
        self.rates = rates
        self._clock = clock
        self._bus = bus
        self.config = config or PlanServiceConfig()

    async def plan(self, symbol: str, *, post_to: Sequence[str] | None = None) -> TradePlan:
        instrument = parse_instrument(symbol)
        interval = self.config.interval
        step = INTERVAL_SECONDS.get(interval)
        if step is None:
            raise InvalidInput(f"plan interval {interval!r} is not one of {', '.join(INTERVAL_SECONDS)}")
        now = self._clock.now_ns()
        start = now - int(self.config.history_bars * step * 1.6 * NS_PER_SECOND)  # weekends and holidays
        bars = (await self.bars(instrument, interval, start, now))[-self.config.history_bars :]
        if not bars:
            raise InvalidInput(f"no {interval} bars for {instrument.symbol}: nothing to plan from")
        stories = await self.news.stories(
            instrument.symbol, since_ns=bars[-1].ts_event - STORY_WINDOW_S * NS_PER_SECOND
        )
        rate = await self.rates(instrument.quote_currency, self.config.plan.account_currency)
        draft = make_plan(
            instrument, interval, bars, stories, self.config.plan, quote_to_account=rate, now_ns=now
        )
        channels = tuple(post_to) if post_to is not None else self.config.post_to
        stored = await self.plans.save(draft, [plan_notification(draft, c) for c in channels])
        if self._bus is not None:
            self._bus.publish(topics.trade_plan(stored.symbol), stored)
            if channels:
                self._bus.publish(
                    topics.outbox_ready(), outbox_ready(len(channels), "research", now, channels)
                )
        return stored

    async def evaluate(
        self, symbol: str | None = None
    ) -> tuple[list[tuple[TradePlan, PlanOutcome]], TrackRecord]:
        """Score every plan not finished yet against the bars after it; returns all with outcomes."""
        now = self._clock.now_ns()
        found = await self.plans.find(symbol, limit=1_000)
        updated: list[PlanOutcome] = []
        result: list[tuple[TradePlan, PlanOutcome]] = []
        for plan, outcome in found:
            if outcome is None or outcome.outcome not in FINAL:
                step = INTERVAL_SECONDS.get(plan.interval, 86_400) * NS_PER_SECOND
                end = min(now, plan.expires_at + step)
                bars = await self.bars(parse_instrument(plan.symbol), plan.interval, plan.ts_event, end + 1)
                outcome = evaluate(plan, bars)
                updated.append(outcome)
            result.append((plan, outcome))
        if updated:
            await self.plans.set_outcomes(updated, now)
        return result, TrackRecord([o for _, o in result])


class PlanScheduler(Component):
    """Makes a fresh plan for each of ``symbols`` every ``every_s`` of the clock (``freeride live``).

    A symbol that cannot be planned (no bars yet, a provider down) is logged and tried again next
    round; the others go on.
    """

    name = "plan_scheduler"

    def __init__(self, service: PlanService, clock: Clock, symbols: Sequence[str], every_s: float) -> None:
        super().__init__()
        self.service = service
        self._clock = clock
        self.symbols = list(symbols)
        self.every_s = every_s
        self.made = 0
        self.failed = 0
        self._task: asyncio.Task[None] | None = None

    async def round(self) -> None:
        for symbol in self.symbols:
            try:
                await self.service.plan(symbol)
                self.made += 1
            except FreerideError as exc:
                self.failed += 1
                log.warning("research.plan_failed", symbol=symbol, error=str(exc))

    async def _loop(self) -> None:
        while True:
            await self.round()
            await self._clock.sleep(self.every_s)

    async def _on_start(self) -> None:
        if self.symbols:
            self._task = self.spawn(self._loop)

    async def _on_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
