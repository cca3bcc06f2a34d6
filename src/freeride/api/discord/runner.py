"""Running a handler inside Discord's 3 seconds, and finishing it over REST when it takes longer.

The handler runs as a task raced against ``inline_budget_s`` on the injected clock. Done in time,
its answer is the HTTP reply (type 4, or 7 for a button). Not done, the reply is "thinking…"
(type 5, or 6 for a button) and the task goes on; when it ends, a worker edits the answer in with
``PATCH /webhooks/{application_id}/{token}/messages/@original`` (files as multipart) and posts any
further part of a long answer as follow-ups. An answer with files is always delivered that way.

Whatever a handler raises becomes a private answer naming the problem (the caller's mistake) or
saying the command failed (ours, logged with its traceback): never an HTTP 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pydantic
import structlog

from freeride.api.discord.model import CommandError, Confirm
from freeride.api.discord.wire import DEFERRED_UPDATE, MESSAGE, UPDATE, Reply, deferred, respond
from freeride.api.errors import ApiError
from freeride.core.clock import Clock
from freeride.core.errors import FreerideError, InvalidInput
from freeride.ports.discord import DiscordRest

log = structlog.get_logger(__name__)

Work = Callable[[], Awaitable[Reply | Confirm]]
Outcome = tuple[Reply | Confirm, str]
Done = Callable[[str], None]  # told the outcome once the answer is out (for the journal)


def _problem(exc: pydantic.ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in exc.errors())


async def outcome_of(work: Work) -> Outcome:
    """The handler's answer and a one-line outcome; errors become private answers."""
    try:
        result = await work()
    except (CommandError, InvalidInput) as exc:
        return Reply(content=f"⚠️ {exc}", ephemeral=True), f"refused: {exc}"
    except ApiError as exc:
        return Reply(content=f"⚠️ {exc.message}", ephemeral=True), f"refused: {exc.message}"
    except pydantic.ValidationError as exc:
        text = _problem(exc)
        return Reply(content=f"⚠️ {text}", ephemeral=True), f"refused: {text}"
    except FreerideError as exc:
        return Reply(content=f"⚠️ could not do it now: {exc}", ephemeral=True), f"failed: {exc}"
    except Exception as exc:
        log.exception("discord.command_failed")
        reply = Reply(
            content=f"⚠️ the command failed ({type(exc).__name__}); it is in the journal", ephemeral=True
        )
        return reply, f"failed: {type(exc).__name__}: {exc}"
    return result, "asked to confirm" if isinstance(result, Confirm) else "answered"


class Runner:
    def __init__(self, clock: Clock, rest: DiscordRest | None, budget_s: float) -> None:
        self._clock = clock
        self._rest = rest
        self._budget_s = budget_s
        self.tasks: set[asyncio.Task[None]] = set()
        self.inline = 0
        self.deferred = 0
        self.completed = 0
        self.completion_failures = 0

    async def run(
        self,
        token: str,
        answer: Callable[[], Awaitable[tuple[Reply, str]]],
        done: Done,
        *,
        ephemeral: bool,
        update: bool = False,
    ) -> dict[str, Any]:
        """The HTTP reply: the answer when ready within the budget, else "thinking…".

        A mistake found at once (an unknown symbol for ``/chart``, bad parameters for
        ``/backtest``) is so answered inline and privately, rather than deferred in public."""
        task = asyncio.ensure_future(answer())
        if self._rest is None:
            await asyncio.wait({task})
        else:
            sleeper = asyncio.ensure_future(self._clock.sleep(self._budget_s))
            await asyncio.wait({task, sleeper}, return_when=asyncio.FIRST_COMPLETED)
            sleeper.cancel()
        if task.done():
            reply, outcome = task.result()
            if not reply.files or self._rest is None:
                return self._inline(token, reply, outcome, done, update)
        self.deferred += 1
        self._spawn(self._complete(token, task, done))
        return respond(DEFERRED_UPDATE) if update else deferred(ephemeral)

    def _inline(self, token: str, reply: Reply, outcome: str, done: Done, update: bool) -> dict[str, Any]:
        self.inline += 1
        messages = reply.messages()
        if len(messages) > 1 and self._rest is not None:
            self._spawn(self._followups(token, messages[1:]))
        done(outcome)
        first = messages[0]
        if update:
            first.pop("flags", None)
        return respond(UPDATE if update else MESSAGE, first)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _complete(self, token: str, task: asyncio.Future[tuple[Reply, str]], done: Done) -> None:
        reply, outcome = await task
        assert self._rest is not None
        messages = reply.messages()
        first = {k: v for k, v in messages[0].items() if k != "flags"}  # set by the deferral already
        try:
            await self._rest.edit_original(token, first, reply.files)
            for extra in messages[1:]:
                await self._rest.followup(token, extra)
        except FreerideError as exc:
            self.completion_failures += 1
            log.warning("discord.completion_failed", error=str(exc))
            done(f"{outcome}; the answer could not be delivered: {exc}")
            return
        self.completed += 1
        done(f"{outcome} (deferred)")

    async def _followups(self, token: str, messages: list[dict[str, Any]]) -> None:
        assert self._rest is not None
        try:
            for body in messages:
                await self._rest.followup(token, body)
        except FreerideError as exc:
            log.warning("discord.followup_failed", error=str(exc))

    async def aclose(self) -> None:
        """Wait for answers still being completed (a stopping server lets them finish)."""
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
