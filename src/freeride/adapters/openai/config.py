"""OpenAI analyser settings: the model, how many stories go in one request, prices and limits."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

BASE_URL = "https://api.openai.com/v1"


@dataclass(frozen=True)
class OpenAIConfig:
    """``input_usd_per_mtok`` / ``output_usd_per_mtok``: the model's list price per million tokens
    (gpt-4o-mini's by default), used to count the daily spend; the Batch API costs half.
    ``batch_min``: from this many stories in one call on, the Batch API is used (``0`` never).
    """

    api_key: SecretStr
    model: str = "gpt-4o-mini"
    base_url: str = BASE_URL
    stories_per_request: int = 20
    max_completion_tokens: int = 4_000
    timeout_s: float = 60.0
    attempts: int = 3  # for a retryable 429 or a 5xx, each waited out on the clock
    input_usd_per_mtok: float = 0.15
    output_usd_per_mtok: float = 0.60
    batch_min: int = 0
    batch_poll_s: float = 30.0
    batch_max_wait_s: float = 86_400.0
