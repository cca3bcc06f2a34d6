"""Answers kept until the bus says their data changed.

A command whose answer depends only on data the bus announces when it changes (signals, scored
news, trade plans) is answered from here while nothing changed: ten people asking ``/signals`` in a
row cost one read. Each such command names the topics that change its data
(``Command.invalidated_by``); any event on them drops that command's answers. Only answers read
from what is already written when the event is published are kept (the research service stores a
story before it publishes it, the live views are updated by the same dispatch), so a dropped answer
is never recomputed from stale data. Storage-backed lists the recorder writes later (orders,
positions) are not kept here; the API's short read cache covers them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from freeride.api.discord.model import Command
from freeride.api.discord.wire import Reply
from freeride.ports.bus import Bus, Subscription

MAX_KEPT = 1_000


class AnswerCache:
    def __init__(self, bus: Bus | None, commands: Iterable[Command]) -> None:
        self._answers: dict[str, dict[tuple[Any, ...], Reply]] = {}
        self._subs: list[Subscription] = []
        self._cacheable: set[str] = set()
        self.hits = 0
        if bus is None:
            return
        by_pattern: dict[str, list[str]] = {}
        for command in commands:
            for pattern in command.invalidated_by:
                by_pattern.setdefault(pattern, []).append(command.name)
        for pattern, names in by_pattern.items():
            self._subs.append(bus.subscribe(pattern, self._dropper(tuple(names))))
        self._cacheable = {n for names in by_pattern.values() for n in names}

    @staticmethod
    def _key(options: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(sorted((k, str(v)) for k, v in options.items()))

    def get(self, command: str, options: dict[str, Any]) -> Reply | None:
        found = self._answers.get(command, {}).get(self._key(options))
        if found is not None:
            self.hits += 1
        return found

    def put(self, command: str, options: dict[str, Any], reply: Reply) -> None:
        if not self._subs or command not in self._cacheable or reply.files:
            return
        kept = self._answers.setdefault(command, {})
        if len(kept) >= MAX_KEPT:
            kept.clear()
        kept[self._key(options)] = reply

    def _dropper(self, names: tuple[str, ...]) -> Callable[[Any], None]:
        def drop(_event: Any) -> None:
            for name in names:
                self._answers.pop(name, None)

        return drop

    def close(self) -> None:
        for sub in self._subs:
            sub.cancel()
