"""What research needs from storage: news and stories, LLM spending, and versioned trade plans."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from freeride.core.news import NewsItem
from freeride.core.notify import Notification
from freeride.core.plans import PlanOutcome, TradePlan
from freeride.core.sentiment import StorySentiment


class NewsRepository(Protocol):
    async def save(
        self,
        items: Sequence[tuple[NewsItem, str]],
        stories: Sequence[StorySentiment],
        dropped: Sequence[str] = (),
    ) -> None:
        """Items with the story id each joined, and scored stories, in one transaction; an item or
        a story stored before is replaced (its latest text and score win). ``dropped`` are story
        ids that merged into another story and are removed."""
        ...

    async def stories(
        self, symbol: str | None = None, since_ns: int = 0, limit: int = 100
    ) -> list[StorySentiment]:
        """Newest first; ``symbol`` narrows to the stories concerning it."""
        ...

    async def items_of(self, story_id: str) -> list[NewsItem]: ...


class UsageRepository(Protocol):
    async def add(
        self,
        day: str,
        model: str,
        *,
        requests: int,
        scored: int,
        failed: int,
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: Decimal,
    ) -> None: ...

    async def spent(self, day: str) -> Decimal:
        """What every model cost on ``day`` (``YYYY-MM-DD``, UTC)."""
        ...


class PlanRepository(Protocol):
    async def save(self, plan: TradePlan, notifications: Sequence[Notification] = ()) -> TradePlan:
        """Store ``plan`` as the symbol's next version, superseding the active one, with the
        notifications that announce it in the outbox, in one transaction; returns it as stored."""
        ...

    async def get(self, plan_id: str) -> TradePlan | None: ...

    async def find(
        self, symbol: str | None = None, *, active_only: bool = False, limit: int = 100
    ) -> list[tuple[TradePlan, PlanOutcome | None]]:
        """Newest first, each with its outcome when it was evaluated."""
        ...

    async def set_outcomes(self, outcomes: Sequence[PlanOutcome], now_ns: int) -> None: ...
