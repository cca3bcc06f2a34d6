"""Discord through webhook execute: coalesced messages within Discord's limits, rate limits honoured."""

from freeride.adapters.discord.config import DiscordConfig
from freeride.adapters.discord.notify import DiscordNotifier

__all__ = ["DiscordConfig", "DiscordNotifier"]
