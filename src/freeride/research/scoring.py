"""Scoring stories: each distinct text once, by the configured model, with the offline model behind.

A story's text is keyed by its content hash. The cache is asked first (by model name and hash),
so a second pass over the same news costs zero model calls and an edited headline costs one. What
is left goes to the model in one call (the LLM adapter packs it into requests of N stories). A
story the model could not score (a refusal, a truncated answer, a reply outside the schema) is
scored by the offline model instead, and the reason is named in a ``SystemEvent`` and on the story
(``fallback``). A daily spending cap stops the LLM for the rest of the UTC day: one event says so
and the offline model takes over. Token usage and cost are recorded per day and model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import structlog

from freeride.bus.system_events import LOG_LEVELS, SystemEvents
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import FreerideError
from freeride.core.news import Story
from freeride.core.sentiment import Sentiment, StorySentiment
from freeride.core.system import Detail, Level
from freeride.ports.bus import Bus
from freeride.ports.research import UsageRepository
from freeride.ports.sentiment import ModelUsage, ScoreCache, ScoreRequest, ScoreResult, SentimentModel
from freeride.research.sentiment.offline import OfflineModel

log = structlog.get_logger(__name__)
SOURCE = "research"
TRANSIENT = ("spending_cap", "quota", "failed", "rate_limited")  # not cached: tomorrow may differ


@dataclass(frozen=True)
class ScorerConfig:
    ttl_s: float = 7 * 86_400.0
    daily_cap_usd: Decimal | None = None


def story_text(story: Story) -> str:
    return f"{story.headline}\n{story.summary}".strip()


def utc_day(ns: int) -> str:
    return datetime.fromtimestamp(ns / NS_PER_SECOND, tz=UTC).date().isoformat()


class Scorer:
    def __init__(
        self,
        model: SentimentModel,
        cache: ScoreCache,
        clock: Clock,
        *,
        bus: Bus | None = None,
        config: ScorerConfig | None = None,
        usage: UsageRepository | None = None,
        offline: OfflineModel | None = None,
    ) -> None:
        self.model = model
        self.offline = offline or (model if isinstance(model, OfflineModel) else OfflineModel())
        self.cache = cache
        self._clock = clock
        self._bus = bus
        self._events = SystemEvents(bus, clock, SOURCE) if bus is not None else None
        self.config = config or ScorerConfig()
        self._usage_repo = usage
        self._seen_usage = ModelUsage()
        self._day = ""
        self._spent = Decimal(0)
        self._cap_reported = ""
        self.model_calls = 0  # calls of ``model.score`` (each may be several HTTP requests)
        self.scored_by_model = 0
        self.fallbacks = 0
        self.cached = 0

    @property
    def uses_llm(self) -> bool:
        return self.model is not self.offline

    async def score(self, stories: Sequence[Story]) -> list[StorySentiment]:
        now = self._clock.now_ns()
        by_hash = {s.content_hash: s for s in stories}
        found = await self.cache.get_many(self.model.name, list(by_hash), now)
        self.cached += len(found)
        results: dict[str, tuple[Sentiment, str]] = {h: (s, "") for h, s in found.items()}
        missing = [by_hash[h] for h in by_hash if h not in found]
        if missing:
            results.update(await self._score_missing(missing, now))
        out = []
        for story in stories:
            sentiment, fallback = results[story.content_hash]
            out.append(
                StorySentiment(
                    story_id=story.story_id,
                    content_hash=story.content_hash,
                    headline=story.headline,
                    url=story.url,
                    symbols=story.symbols,
                    currencies=story.currencies,
                    sources=story.sources,
                    label=sentiment.label,
                    score=sentiment.score,
                    confidence=sentiment.confidence,
                    model=sentiment.model,
                    rationale=sentiment.rationale,
                    vendor_score=story.vendor_score,
                    cached=story.content_hash in found,
                    fallback=fallback,
                    ts_event=story.ts_event,
                    ts_init=now,
                )
            )
        return out

    async def _score_missing(self, stories: Sequence[Story], now: int) -> dict[str, tuple[Sentiment, str]]:
        done: dict[str, tuple[Sentiment, str]] = {}
        requests = [ScoreRequest(id=s.content_hash, text=story_text(s), symbols=s.symbols) for s in stories]
        answers: dict[str, ScoreResult] = {}
        if not self.uses_llm:
            answers = {r.id: r for r in await self.offline.score(requests)}
        elif await self._over_cap(now):
            answers = {
                r.id: ScoreResult(id=r.id, problem="spending_cap: the daily LLM budget is spent")
                for r in requests
            }
        else:
            self.model_calls += 1
            try:
                answers = {r.id: r for r in await self.model.score(requests)}
            except FreerideError as exc:
                kind = "quota" if "quota" in str(exc).lower() else "failed"
                self._emit(
                    "llm_failed",
                    Level.ERROR,
                    f"{self.model.name} could not score {len(requests)} stories: {exc}; "
                    "the offline model scores them",
                    {"model": self.model.name, "stories": len(requests), "reason": str(exc)[:300]},
                )
                answers = {r.id: ScoreResult(id=r.id, problem=f"{kind}: {exc}") for r in requests}
            await self._record_usage(now)
        cacheable: dict[str, Sentiment] = {}
        fell_back: list[tuple[Story, str]] = []
        for story, request in zip(stories, requests, strict=True):
            answer = answers.get(request.id) or ScoreResult(
                id=request.id, problem="missing: no answer for this id"
            )
            if answer.sentiment is not None:
                done[request.id] = (answer.sentiment, "")
                cacheable[request.id] = answer.sentiment
                if self.uses_llm:
                    self.scored_by_model += 1
                continue
            sentiment = self.offline.analyse(request.text, request.symbols)
            done[request.id] = (sentiment, answer.problem)
            self.fallbacks += 1
            fell_back.append((story, answer.problem))
            if not answer.problem.startswith(TRANSIENT):
                cacheable[request.id] = sentiment
        self._report_fallbacks(fell_back)
        expires = now + int(self.config.ttl_s * NS_PER_SECOND)
        if cacheable:
            await self.cache.put_many(self.model.name, cacheable, expires)
        return done

    def _report_fallbacks(self, fell_back: list[tuple[Story, str]]) -> None:
        for story, problem in fell_back:
            if problem.startswith(("spending_cap", "quota", "failed")):
                continue  # reported once for the whole call
            self._emit(
                "llm_fallback",
                Level.WARNING,
                f"{self.model.name} gave no usable score for {story.headline[:80]!r} ({problem}); "
                "offline model used",
                {"model": self.model.name, "story_id": story.story_id, "problem": problem[:300]},
            )

    async def _over_cap(self, now: int) -> bool:
        cap = self.config.daily_cap_usd
        if cap is None:
            return False
        day = utc_day(now)
        if day != self._day:
            self._day = day
            self._spent = await self._usage_repo.spent(day) if self._usage_repo is not None else Decimal(0)
        if self._spent < cap:
            return False
        if self._cap_reported != day:
            self._cap_reported = day
            self._emit(
                "llm_spending_cap",
                Level.WARNING,
                f"daily LLM spending cap of ${cap} reached (${self._spent:.4f} spent on {day}); "
                "the offline model scores until 00:00 UTC",
                {"cap_usd": str(cap), "spent_usd": f"{self._spent:.4f}", "day": day},
            )
        return True

    async def _record_usage(self, now: int) -> None:
        usage: ModelUsage | None = getattr(self.model, "usage", None)
        if usage is None:
            return
        seen = self._seen_usage
        delta = ModelUsage(
            requests=usage.requests - seen.requests,
            scored=usage.scored - seen.scored,
            failed=usage.failed - seen.failed,
            prompt_tokens=usage.prompt_tokens - seen.prompt_tokens,
            completion_tokens=usage.completion_tokens - seen.completion_tokens,
            cost_usd=usage.cost_usd - seen.cost_usd,
        )
        self._seen_usage = ModelUsage(**{f: getattr(usage, f) for f in usage.__struct_fields__})
        cost = Decimal(repr(round(delta.cost_usd, 8)))
        day = utc_day(now)
        if day != self._day:
            self._day = day
            self._spent = await self._usage_repo.spent(day) if self._usage_repo is not None else Decimal(0)
        self._spent += cost
        if self._usage_repo is not None and delta.requests:
            try:
                await self._usage_repo.add(
                    day,
                    self.model.name,
                    requests=delta.requests,
                    scored=delta.scored,
                    failed=delta.failed,
                    prompt_tokens=delta.prompt_tokens,
                    completion_tokens=delta.completion_tokens,
                    cost_usd=cost,
                )
            except Exception as exc:  # usage bookkeeping must not lose the scores
                log.warning("research.usage_not_recorded", error=repr(exc))

    def _emit(self, kind: str, level: Level, message: str, data: dict[str, Detail]) -> None:
        if self._events is None:  # no bus (a batch job): the log is the report
            log.log(LOG_LEVELS[level], f"{SOURCE}.{kind}", **{**data, "message": message})
            return
        self._events.emit(level, kind, message, **data)
