"""Which Discord channels hear which topics: seeded from settings, changed by ``/subscribe``.

Kept in memory by the process that posts: ``discord.subscriptions`` is read at start, and
``/subscribe`` / ``/unsubscribe`` change the running set at once (a restart goes back to the
settings; put lasting choices there). The channel poster reads it for every event it routes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class ChannelTopics:
    def __init__(self, initial: Mapping[str, Iterable[str]], known: Iterable[str]) -> None:
        self.known = tuple(known)
        self._by_channel: dict[str, set[str]] = {c: set(t) for c, t in initial.items()}

    def add(self, channel_id: str, topic: str) -> bool:
        """Subscribe; ``False`` when it already was."""
        self._check(topic)
        topics = self._by_channel.setdefault(channel_id, set())
        if topic in topics:
            return False
        topics.add(topic)
        return True

    def remove(self, channel_id: str, topic: str) -> bool:
        """Unsubscribe; ``False`` when it was not subscribed."""
        self._check(topic)
        topics = self._by_channel.get(channel_id, set())
        if topic not in topics:
            return False
        topics.discard(topic)
        return True

    def channels_for(self, topic: str) -> list[str]:
        return sorted(c for c, t in self._by_channel.items() if topic in t)

    def of(self, channel_id: str) -> list[str]:
        return sorted(self._by_channel.get(channel_id, ()))

    def _check(self, topic: str) -> None:
        if topic not in self.known:
            raise ValueError(f"unknown topic {topic!r}; one of {', '.join(self.known)}")
