"""A fake OpenAI: chat completions with structured output, files and the Batch API, in the real
wire format (the official SDK runs against it unchanged, only ``base_url`` differs).

Scoring is a small keyword rule (good words +0.6, bad words -0.6), enough to tell answers apart.
Scripted faults (``fail``/``always``) for ``/v1/chat/completions``: ``rate_limited`` (429
``rate_limit_exceeded`` with ``retry-after``), ``quota`` (429 ``insufficient_quota``), ``bad_key``
(401), ``down`` (500), ``refusal``, ``length`` (truncated JSON, ``finish_reason: length``),
``not_schema`` (valid JSON, wrong shape), ``drop_one`` (one id left out), ``bad_score`` (a score
of 7). A story whose text holds ``REFUSE_ME`` makes any request that carries it a refusal; one
holding ``FAIL_LINE`` makes its batch line fail with a 500 (in the error file).
Batches move ``validating → in_progress → finalizing → completed`` one step per retrieve, and
their output lines come back in reverse order of the input.
"""

from __future__ import annotations

import json
import re
from collections import Counter, deque
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

GOOD = re.compile(
    r"\b(beat|beats|rise|rises|rose|jump|jumps|raise|raises|climb|climbs|record|gain|gains|upgrade)\b", re.I
)
BAD = re.compile(
    r"\b(fall|falls|fell|cut|cuts|miss|misses|slump|slumps|drop|drops|loss|recall|recalls|downgrade)\b", re.I
)
RATE = (
    "Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): Limit 3, "
    "Used 3, Requested 1. Please try again in 2s. "
    "Visit https://platform.openai.com/account/rate-limits to learn more."
)
QUOTA = (
    "You exceeded your current quota, please check your plan and billing details. For more information on "
    "this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors."
)
STEPS = ["validating", "in_progress", "finalizing", "completed"]


def _score(text: str) -> float:
    return round(0.6 * len(GOOD.findall(text)) - 0.6 * len(BAD.findall(text)), 3)


def _error(
    status: int, message: str, kind: str, code: str | None, headers: dict[str, str] | None = None
) -> Response:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


class FakeOpenAI:
    def __init__(self, api_key: str = "sk-test") -> None:
        self.api_key = api_key
        self.calls: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []  # chat-completions bodies received
        self._script: deque[str] = deque()
        self._always: str | None = None
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._ids = 0
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/files", self._upload, methods=["POST"]),
                Route("/v1/files/{file_id}/content", self._content),
                Route("/v1/batches", self._create_batch, methods=["POST"]),
                Route("/v1/batches/{batch_id}", self._retrieve_batch),
                Route("/v1/batches/{batch_id}/cancel", self._cancel_batch, methods=["POST"]),
            ]
        )

    def fail(self, fault: str, times: int = 1) -> None:
        self._script.extend([fault] * times)

    def always(self, fault: str | None) -> None:
        self._always = fault

    def _next_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}-{self._ids:06d}"

    def _auth(self, request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(
                401,
                "Incorrect API key provided: sk-***. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                "invalid_api_key",
            )
        return None

    # -- chat completions -----------------------------------------------------------------------
    async def _chat(self, request: Request) -> Response:
        self.calls["chat"] += 1
        denied = self._auth(request)
        if denied is not None:
            return denied
        fault = self._script.popleft() if self._script else self._always
        if fault == "bad_key":
            return _error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        if fault == "rate_limited":
            return _error(429, RATE, "requests", "rate_limit_exceeded", {"retry-after": "2"})
        if fault == "quota":
            return _error(429, QUOTA, "insufficient_quota", "insufficient_quota")
        if fault == "down":
            return _error(500, "The server had an error while processing your request.", "server_error", None)
        body = await request.json()
        self.requests.append(body)
        return JSONResponse(self.completion(body, fault))

    def completion(self, body: dict[str, Any], fault: str | None = None) -> dict[str, Any]:
        """The ``chat.completion`` object for ``body`` (also what a batch output line carries)."""
        stories = json.loads(body["messages"][-1]["content"])
        content: str | None
        refusal: str | None = None
        finish = "stop"
        results = [
            {
                "id": s["id"],
                "score": max(-1.0, min(1.0, _score(s["text"]))),
                "label": "positive"
                if _score(s["text"]) > 0
                else "negative"
                if _score(s["text"]) < 0
                else "neutral",
                "confidence": 0.8,
                "symbols": s.get("symbols") or [],
                "rationale": "keyword rule",
            }
            for s in stories
        ]
        if fault == "drop_one" and results:
            results.pop()
        if fault == "bad_score" and results:
            results[0]["score"] = 7
        content = json.dumps({"results": results})
        if fault == "refusal" or any("REFUSE_ME" in s["text"] for s in stories):
            content, refusal = None, "I'm very sorry, but I can't assist with that."
        elif fault == "length":
            content, finish = content[: len(content) // 2], "length"
        elif fault == "not_schema":
            content = json.dumps({"answers": [{"story": s["id"], "sentiment": "good"} for s in stories]})
        prompt_tokens = sum(len(m["content"]) for m in body["messages"]) // 4
        completion_tokens = len(content or refusal or "") // 4
        return {
            "id": self._next_id("chatcmpl"),
            "object": "chat.completion",
            "created": 1_717_444_800,
            "model": body.get("model", "gpt-4o-mini"),
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal},
                    "logprobs": None,
                    "finish_reason": finish,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
        }

    # -- files ------------------------------------------------------------------------------------
    async def _upload(self, request: Request) -> Response:
        self.calls["files"] += 1
        denied = self._auth(request)
        if denied is not None:
            return denied
        fields = _multipart(request.headers.get("content-type", ""), await request.body())
        if fields.get("purpose") != b"batch" or "file" not in fields:
            return _error(
                400, "purpose must be 'batch' and a file is required", "invalid_request_error", None
            )
        file_id = self._next_id("file")
        self.files[file_id] = fields["file"]
        return JSONResponse(
            {
                "id": file_id,
                "object": "file",
                "bytes": len(fields["file"]),
                "created_at": 1_717_444_800,
                "filename": "freeride-sentiment.jsonl",
                "purpose": "batch",
                "status": "processed",
            }
        )

    async def _content(self, request: Request) -> Response:
        self.calls["content"] += 1
        data = self.files.get(request.path_params["file_id"])
        if data is None:
            return _error(404, "No such File object", "invalid_request_error", None)
        return Response(data, media_type="application/octet-stream")

    # -- batches ---------------------------------------------------------------------------------
    async def _create_batch(self, request: Request) -> Response:
        self.calls["batches"] += 1
        denied = self._auth(request)
        if denied is not None:
            return denied
        body = await request.json()
        if body.get("input_file_id") not in self.files:
            return _error(400, "Invalid input_file_id", "invalid_request_error", None)
        batch_id = self._next_id("batch")
        self.batches[batch_id] = {
            "id": batch_id,
            "object": "batch",
            "endpoint": body.get("endpoint"),
            "errors": None,
            "input_file_id": body["input_file_id"],
            "completion_window": body.get("completion_window", "24h"),
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": 1_717_444_800,
            "in_progress_at": None,
            "expires_at": 1_717_531_200,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata") or {},
        }
        return JSONResponse(self.batches[batch_id])

    async def _retrieve_batch(self, request: Request) -> Response:
        self.calls["retrieve"] += 1
        batch = self.batches.get(request.path_params["batch_id"])
        if batch is None:
            return _error(404, "No such Batch object", "invalid_request_error", None)
        if batch["status"] in STEPS[:-1]:
            batch["status"] = STEPS[STEPS.index(batch["status"]) + 1]
            if batch["status"] == "completed":
                self._run(batch)
        return JSONResponse(batch)

    async def _cancel_batch(self, request: Request) -> Response:
        batch = self.batches[request.path_params["batch_id"]]
        batch["status"] = "cancelled"
        return JSONResponse(batch)

    def _run(self, batch: dict[str, Any]) -> None:
        lines = [json.loads(x) for x in self.files[batch["input_file_id"]].decode().splitlines() if x.strip()]
        output, errors = [], []
        for n, line in enumerate(lines):
            texts = " ".join(s["text"] for s in json.loads(line["body"]["messages"][-1]["content"]))
            if "FAIL_LINE" in texts:
                errors.append(
                    {
                        "id": f"batch_req_{n}",
                        "custom_id": line["custom_id"],
                        "response": {
                            "status_code": 500,
                            "request_id": f"req_{n}",
                            "body": {
                                "error": {
                                    "message": "The server had an error.",
                                    "type": "server_error",
                                    "param": None,
                                    "code": None,
                                }
                            },
                        },
                        "error": None,
                    }
                )
                continue
            output.append(
                {
                    "id": f"batch_req_{n}",
                    "custom_id": line["custom_id"],
                    "response": {
                        "status_code": 200,
                        "request_id": f"req_{n}",
                        "body": self.completion(line["body"]),
                    },
                    "error": None,
                }
            )
        output.reverse()  # the output order is not the input order
        out_id, err_id = self._next_id("file"), self._next_id("file")
        self.files[out_id] = (
            "\n".join(json.dumps(x, separators=(", ", ": ")) for x in output).encode() + b"\n"
        )
        batch["output_file_id"] = out_id
        if errors:
            self.files[err_id] = "\n".join(json.dumps(x) for x in errors).encode() + b"\n"
            batch["error_file_id"] = err_id
        batch["request_counts"] = {"total": len(lines), "completed": len(output), "failed": len(errors)}
        batch["completed_at"] = 1_717_450_000


def _multipart(content_type: str, data: bytes) -> dict[str, bytes]:
    """The fields of a multipart/form-data body (the SDK's upload), by name."""
    match = re.search(r"boundary=\"?([^\";]+)\"?", content_type)
    if match is None:
        return {}
    boundary = b"--" + match.group(1).encode()
    fields: dict[str, bytes] = {}
    for part in data.split(boundary):
        head, sep, value = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        name = re.search(rb'name="([^"]+)"', head)
        if name is not None:
            fields[name.group(1).decode()] = value.removesuffix(b"\r\n")
    return fields
