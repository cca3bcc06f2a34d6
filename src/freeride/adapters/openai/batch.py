"""The Batch API for backfills: JSONL upload, create, poll, download, join on ``custom_id``.

Each line of the input file is one chat-completions request for up to ``stories_per_request``
stories, with ``custom_id`` ``req-<n>``. The output file comes back in any order, so lines are
joined on ``custom_id``, never by position. A line that failed (a non-200 ``status_code`` in the
output or error file, or an ``error`` object such as ``batch_expired``) is retried alone through
the ordinary chat-completions path; a batch that failed, expired or was cancelled as a whole
sends every story that way. Waiting between polls is on the injected clock. Batch tokens are
counted at half price, as OpenAI bills them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final, Protocol

import openai

from freeride.adapters.openai.client import map_error
from freeride.adapters.openai.config import OpenAIConfig
from freeride.adapters.openai.schema import body
from freeride.core.clock import NS_PER_SECOND, Clock
from freeride.core.errors import FreerideError, TemporaryError
from freeride.ports.sentiment import ScoreRequest, ScoreResult


class BatchModel(Protocol):
    """What the runner needs of the analyser (``OpenAISentiment``): its client, settings and clock,
    and its per-request path for the lines that failed."""

    client: openai.AsyncOpenAI
    config: OpenAIConfig
    clock: Clock

    async def score_group(self, group: Sequence[ScoreRequest]) -> list[ScoreResult]: ...

    async def read_completion(
        self,
        completion: dict[str, Any],
        group: Sequence[ScoreRequest],
        ids: dict[str, str],
        *,
        batch: bool = False,
    ) -> list[ScoreResult]: ...


ENDPOINT: Final = "/v1/chat/completions"
DONE = {"completed", "failed", "expired", "cancelled"}


class BatchRunner:
    def __init__(self, model: BatchModel) -> None:
        self.model = model
        self.batch_id = ""
        self.polls = 0
        self.failed_lines: list[str] = []
        self.line_errors: dict[str, str] = {}

    async def run(self, requests: Sequence[ScoreRequest]) -> list[ScoreResult]:
        m = self.model
        n = max(1, m.config.stories_per_request)
        groups = {
            f"req-{k}": list(requests[i : i + n]) for k, i in enumerate(range(0, len(requests), n), start=1)
        }
        lines, id_maps = [], {}
        for custom_id, group in groups.items():
            payload, ids = body(m.config.model, group, m.config.max_completion_tokens)
            id_maps[custom_id] = ids
            lines.append(
                json.dumps({"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": payload})
            )
        try:
            status, output, errors = await self._submit_and_wait("\n".join(lines).encode() + b"\n")
        except FreerideError:
            status, output, errors = "failed", [], []
        results: dict[str, ScoreResult] = {}
        answered: set[str] = set()
        for line in output:
            custom_id = str(line.get("custom_id", ""))
            if custom_id not in groups or custom_id in answered:
                continue
            response = line.get("response") or {}
            if line.get("error") or response.get("status_code") != 200:
                continue
            answered.add(custom_id)
            for r in await m.read_completion(
                response.get("body") or {}, groups[custom_id], id_maps[custom_id]
            ):
                results[r.id] = r
        self.failed_lines = sorted(set(groups) - answered)
        self.line_errors = {c: _why(errors, c) or f"batch {status}" for c in self.failed_lines}
        for custom_id in self.failed_lines:  # failed, errored or missing lines: each group alone
            for r in await m.score_group(groups[custom_id]):
                results[r.id] = r
        return [
            results.get(r.id) or ScoreResult(id=r.id, problem="missing: not in the batch output")
            for r in requests
        ]

    async def _submit_and_wait(self, data: bytes) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
        m = self.model
        client = m.client
        clock = m.clock
        try:
            uploaded = await client.files.create(file=("freeride-sentiment.jsonl", data), purpose="batch")
            batch = await client.batches.create(
                input_file_id=uploaded.id,
                endpoint=ENDPOINT,
                completion_window="24h",
                metadata={"source": "freeride"},
            )
            self.batch_id = batch.id
            deadline = clock.now_ns() + int(m.config.batch_max_wait_s * NS_PER_SECOND)
            while batch.status not in DONE:
                if clock.now_ns() >= deadline:
                    await client.batches.cancel(batch.id)
                    raise TemporaryError(
                        f"openai: batch {batch.id} still {batch.status} after the wait allowed"
                    )
                await clock.sleep(m.config.batch_poll_s)
                batch = await client.batches.retrieve(batch.id)
                self.polls += 1
            output = await self._lines(batch.output_file_id)
            errors = await self._lines(batch.error_file_id)
        except openai.OpenAIError as exc:
            raise map_error(exc) from exc
        return str(batch.status), output, errors

    async def _lines(self, file_id: str | None) -> list[dict[str, Any]]:
        if not file_id:
            return []
        content = await self.model.client.files.content(file_id)
        out = []
        for raw in content.content.splitlines():
            if raw.strip():
                try:
                    line = json.loads(raw)
                except ValueError:
                    continue  # a garbled line is a failed line: its group is retried alone
                if isinstance(line, dict):
                    out.append(line)
        return out


def _why(errors: list[dict[str, Any]], custom_id: str) -> str:
    for line in errors:
        if line.get("custom_id") == custom_id:
            err = line.get("error") or ((line.get("response") or {}).get("body") or {}).get("error") or {}
            return (
                f"failed: batch line {custom_id}: {err.get('code') or ''} {err.get('message') or ''}".strip()
            )
    return ""
