"""The LLM analyser through the official SDK against the fake OpenAI, in the real wire format."""

from __future__ import annotations

import httpx2
import pytest
from pydantic import SecretStr

from freeride.adapters.openai.batch import BatchRunner
from freeride.adapters.openai.config import OpenAIConfig
from freeride.adapters.openai.schema import RESULT_SCHEMA
from freeride.adapters.openai.sentiment import OpenAISentiment
from freeride.core.clock import ManualClock
from freeride.core.errors import AuthError
from freeride.core.sentiment import SentimentLabel
from freeride.net.errors import QuotaExhausted
from freeride.ports.sentiment import ScoreRequest
from freeride.testing.fakes.openai import FakeOpenAI
from freeride.testing.fakes.waiting import until

TEXTS = [
    "Apple beats estimates as iPhone sales jump",
    "Microsoft cuts outlook as cloud demand slows",
    "ECB holds rates steady",
    "Tesla recalls two million cars",
    "Euro climbs as ECB raises rates",
]


def _model(fake: FakeOpenAI, clock: ManualClock | None = None, **options: object) -> OpenAISentiment:
    key = SecretStr("sk-test")
    config = OpenAIConfig(key, base_url="http://openai.test/v1", **options)  # type: ignore[arg-type]
    return OpenAISentiment(config, clock or ManualClock(0), httpx2.ASGITransport(fake.app))


def _requests(texts: list[str] = TEXTS) -> list[ScoreRequest]:
    return [ScoreRequest(id=f"hash{n}", text=t, symbols=("AAPL",)) for n, t in enumerate(texts)]


def test_the_schema_is_strict() -> None:
    item = RESULT_SCHEMA["properties"]["results"]["items"]
    assert item["additionalProperties"] is False
    assert set(item["required"]) == set(item["properties"])


async def test_stories_go_n_per_request_with_a_strict_schema_and_join_by_id() -> None:
    fake = FakeOpenAI()
    model = _model(fake, stories_per_request=2)
    results = await model.score(_requests())
    assert fake.calls["chat"] == 3
    assert [r.id for r in results] == [f"hash{n}" for n in range(5)]
    by_id = {r.id: r.sentiment for r in results}
    assert by_id["hash0"] is not None
    assert by_id["hash0"].label is SentimentLabel.POSITIVE
    assert by_id["hash1"] is not None
    assert by_id["hash1"].label is SentimentLabel.NEGATIVE
    sent = fake.requests[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert model.usage.requests == 3
    assert model.usage.scored == 5
    assert model.usage.prompt_tokens > 0
    assert model.usage.cost_usd > 0


async def test_a_refused_story_is_asked_alone_and_only_it_fails() -> None:
    fake = FakeOpenAI()
    model = _model(fake, stories_per_request=5)
    texts = [*TEXTS[:4], "REFUSE_ME please"]
    results = {r.id: r for r in await model.score(_requests(texts))}
    assert results["hash4"].sentiment is None
    assert results["hash4"].problem.startswith("refused: I'm very sorry")
    assert all(results[f"hash{n}"].sentiment is not None for n in range(4))
    assert fake.calls["chat"] == 1 + 5


@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        ("length", "truncated"),
        ("not_schema", "invalid: the answer is not the schema"),
        ("refusal", "refused"),
    ],
)
async def test_unusable_answers_are_named(fault: str, problem: str) -> None:
    fake = FakeOpenAI()
    fake.always(fault)
    model = _model(fake)
    [result] = await model.score(_requests(TEXTS[:1]))
    assert result.sentiment is None
    assert result.problem.startswith(problem)


async def test_a_dropped_id_is_missing_and_a_bad_score_is_invalid() -> None:
    fake = FakeOpenAI()
    fake.fail("drop_one")
    results = await _model(fake).score(_requests(TEXTS[:3]))
    assert [r.problem.split(":")[0] for r in results] == ["", "", "missing"]
    fake.fail("bad_score")
    results = await _model(fake).score(_requests(TEXTS[:2]))
    assert results[0].problem == "invalid: score 7.0 is outside [-1, 1]"


async def test_a_retryable_429_is_waited_out_on_the_clock() -> None:
    import asyncio

    fake = FakeOpenAI()
    fake.fail("rate_limited", times=2)
    clock = ManualClock(0)
    model = _model(fake, clock)
    task = asyncio.create_task(model.score(_requests(TEXTS[:1])))
    for _ in range(2):
        await until(lambda: clock.sleepers == 1)
        clock.advance(2)  # the retry-after the fake sent
    [result] = await task
    assert result.sentiment is not None
    assert fake.calls["chat"] == 3


async def test_insufficient_quota_is_final_and_blocks_the_model() -> None:
    fake = FakeOpenAI()
    fake.fail("quota")
    model = _model(fake)
    with pytest.raises(QuotaExhausted, match="insufficient_quota"):
        await model.score(_requests(TEXTS[:1]))
    with pytest.raises(QuotaExhausted):
        await model.score(_requests(TEXTS[:1]))
    assert fake.calls["chat"] == 1


async def test_a_bad_key_is_an_auth_error() -> None:
    fake = FakeOpenAI(api_key="other")
    with pytest.raises(AuthError):
        await _model(fake).score(_requests(TEXTS[:1]))


async def test_batch_api_lifecycle_joins_out_of_order_output_and_retries_failed_lines_alone() -> None:
    import asyncio

    fake = FakeOpenAI()
    clock = ManualClock(0)
    model = _model(fake, clock, stories_per_request=2, batch_min=4, batch_poll_s=30)
    texts = [*TEXTS, "FAIL_LINE Oil falls"]
    task = asyncio.create_task(model.score(_requests(texts)))
    while not task.done():
        await until(lambda: clock.sleepers == 1 or task.done())
        if not task.done():
            clock.advance(30)
    results = task.result()
    assert [r.id for r in results] == [f"hash{n}" for n in range(6)]
    assert all(r.sentiment is not None for r in results)
    assert fake.calls["files"] == 1
    assert fake.calls["batches"] == 1
    assert fake.calls["retrieve"] == 3  # validating → in_progress → finalizing → completed
    assert fake.calls["chat"] == 1  # the failed line (stories 5 and 6), alone
    batch = next(iter(fake.batches.values()))
    assert batch["request_counts"] == {"total": 3, "completed": 2, "failed": 1}
    assert model.usage.scored == 6


async def test_batch_runner_names_failed_lines() -> None:
    fake = FakeOpenAI()
    runner = BatchRunner(_model(fake, stories_per_request=1, batch_poll_s=0))
    await runner.run(_requests(["FAIL_LINE a", "Apple beats"]))
    assert runner.failed_lines == ["req-1"]
    assert "failed: batch line req-1" in runner.line_errors["req-1"]
