"""OpenAI as a ``SentimentModel``: N stories per request, joined by id, failures told apart.

``score`` packs the stories into requests of ``stories_per_request`` and sends them (or hands a
large backfill to the Batch API, ``batch.py``). Per request:

* a refusal, a truncated answer (``finish_reason: length``) or an answer outside the schema for
  several stories is asked again one story at a time, so only the story that causes it falls
  back; for a single story it is that story's ``problem`` (``refused: …``, ``truncated: …``);
* a result with an unknown id, or a score outside [-1, 1], is dropped and named; a story the
  answer forgot is ``missing``;
* a retryable 429 (``rate_limit_exceeded``) or 5xx is waited out on the clock (``attempts``);
  a final one (``insufficient_quota``) raises ``QuotaExhausted`` and blocks the model for an hour.

Tokens and cost are counted in ``usage`` (``ModelUsage``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx2
import openai

from freeride.adapters.openai.batch import BatchRunner
from freeride.adapters.openai.client import NAME, make_client, map_error
from freeride.adapters.openai.config import OpenAIConfig
from freeride.adapters.openai.schema import AnswerProblem, body, parse_answer, to_sentiment
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import FreerideError, RateLimited, TemporaryError
from freeride.net.errors import QuotaExhausted
from freeride.ports.sentiment import ModelUsage, ScoreRequest, ScoreResult


class OpenAISentiment:
    def __init__(
        self, config: OpenAIConfig, clock: Clock, transport: httpx2.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self.name = config.model
        self.clock = clock
        self.client = make_client(config, transport)
        self.usage = ModelUsage()
        self._blocked_until = 0
        self._blocked_why = ""
        self.retries = 0

    async def score(self, requests: Sequence[ScoreRequest]) -> list[ScoreResult]:
        if self.clock.now_ns() < self._blocked_until:
            raise QuotaExhausted(self._blocked_why)
        if self.config.batch_min and len(requests) >= self.config.batch_min:
            return await BatchRunner(self).run(requests)
        n = max(1, self.config.stories_per_request)
        out: list[ScoreResult] = []
        for start in range(0, len(requests), n):
            out.extend(await self.score_group(requests[start : start + n]))
        return out

    async def score_group(self, group: Sequence[ScoreRequest]) -> list[ScoreResult]:
        """One request for ``group``; what a multi-story answer cannot say is asked story by story."""
        payload, ids = body(self.config.model, group, self.config.max_completion_tokens)
        try:
            completion = await self._create(payload)
        except RateLimited as exc:
            if isinstance(exc, QuotaExhausted):
                raise
            return [ScoreResult(id=r.id, problem=f"rate_limited: {exc}") for r in group]
        except TemporaryError as exc:
            return [ScoreResult(id=r.id, problem=f"failed: {exc}") for r in group]
        return await self.read_completion(completion, group, ids)

    async def read_completion(
        self,
        completion: dict[str, Any],
        group: Sequence[ScoreRequest],
        ids: dict[str, str],
        *,
        batch: bool = False,
    ) -> list[ScoreResult]:
        self.count_tokens(completion, batch=batch)
        choice = (completion.get("choices") or [{}])[0]
        message = choice.get("message") or {}
        try:
            results = parse_answer(
                message.get("content"), message.get("refusal"), choice.get("finish_reason")
            )
        except AnswerProblem as exc:
            if len(group) > 1:
                self.retries += 1
                alone: list[ScoreResult] = []
                for request in group:
                    alone.extend(await self.score_group([request]))
                return alone
            self.usage.failed += 1
            return [ScoreResult(id=group[0].id, problem=str(exc))]
        return self.join(results, ids)

    def join(self, results: Sequence[Any], ids: dict[str, str]) -> list[ScoreResult]:
        out: dict[str, ScoreResult] = {}
        for result in results:
            request_id = ids.get(result.id)
            if request_id is None or request_id in out:
                continue  # an id we did not send, or sent twice: ignored (the real one stands)
            try:
                out[request_id] = ScoreResult(id=request_id, sentiment=to_sentiment(result, self.name))
            except ValueError as exc:
                out[request_id] = ScoreResult(id=request_id, problem=f"invalid: {exc}")
        for request_id in ids.values():
            out.setdefault(
                request_id, ScoreResult(id=request_id, problem="missing: the answer left this story out")
            )
        self.usage.scored += sum(1 for r in out.values() if r.sentiment is not None)
        self.usage.failed += sum(1 for r in out.values() if r.sentiment is None)
        return list(out.values())

    async def _create(self, payload: dict[str, Any]) -> dict[str, Any]:
        attempts = max(1, self.config.attempts)
        for attempt in range(attempts):
            self.usage.requests += 1
            try:
                response = await self.client.chat.completions.create(**payload)
                data: dict[str, Any] = response.model_dump()
                return data
            except (openai.OpenAIError, FreerideError) as raw:
                exc = map_error(raw)
            if isinstance(exc, QuotaExhausted):
                self._blocked_until = self.clock.now_ns() + int((exc.retry_after or 3_600) * NS_PER_SECOND)
                self._blocked_why = str(exc)
                raise exc
            if not isinstance(exc, TemporaryError) or attempt + 1 == attempts:
                raise exc
            wait = (
                exc.retry_after
                if isinstance(exc, RateLimited) and exc.retry_after is not None
                else 2.0**attempt
            )
            await self.clock.sleep(min(wait, 60.0))
        raise AssertionError("unreachable")  # pragma: no cover

    def count_tokens(self, completion: dict[str, Any], *, batch: bool) -> None:
        usage = completion.get("usage") or {}
        prompt = int(usage.get("prompt_tokens") or 0)
        done = int(usage.get("completion_tokens") or 0)
        self.usage.prompt_tokens += prompt
        self.usage.completion_tokens += done
        cost = (prompt * self.config.input_usd_per_mtok + done * self.config.output_usd_per_mtok) / 1e6
        self.usage.cost_usd += cost * (0.5 if batch else 1.0)

    async def aclose(self) -> None:
        await self.client.close()


__all__ = ["NAME", "OpenAISentiment"]
