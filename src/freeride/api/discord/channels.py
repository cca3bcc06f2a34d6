"""``/subscribe`` and ``/unsubscribe``: which topics the bot posts to the channel it is asked in."""

from __future__ import annotations

from freeride.api.discord.model import Call, CommandError
from freeride.api.discord.wire import Reply
from freeride.app.api import ApiState
from freeride.notify.subscriptions import ChannelTopics


def available(state: ApiState) -> bool:
    return state.chat_topics is not None


def _topics(call: Call) -> tuple[ChannelTopics, str, str]:
    topics = call.state.chat_topics
    if topics is None:
        raise CommandError("channel posting is not running in this process")
    if call.channel_id is None:
        raise CommandError("run this in the channel that should get the posts")
    topic = call.text("topic")
    if topic not in topics.known:
        raise CommandError(f"unknown topic {topic!r}; one of {', '.join(topics.known)}")
    return topics, call.channel_id, topic


async def subscribe(call: Call) -> Reply:
    topics, channel, topic = _topics(call)
    added = topics.add(channel, topic)
    now = ", ".join(topics.of(channel))
    verb = "Subscribed" if added else "Already subscribed"
    return Reply(content=f"{verb}: this channel gets {topic}. Now: {now}.", ephemeral=True)


async def unsubscribe(call: Call) -> Reply:
    topics, channel, topic = _topics(call)
    removed = topics.remove(channel, topic)
    now = ", ".join(topics.of(channel)) or "nothing"
    verb = "Unsubscribed" if removed else "Was not subscribed"
    return Reply(content=f"{verb}: {topic}. This channel now gets {now}.", ephemeral=True)
