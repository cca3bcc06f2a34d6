"""The Discord bot over HTTP: ``POST /discord/interactions``, the slash commands and their replies.

Discord POSTs each interaction (a slash command, a button press, an autocomplete keystroke) to
this endpoint, signed with the application's Ed25519 key; the answer is the HTTP reply, or, for a
command slower than ``discord.inline_budget_s``, a "thinking…" reply followed by an edit over
Discord's REST API. Command handlers are plain async functions over the services the REST routes
use (``api.reads``, ``AlertService``, ``ExecutionControl``, …).
"""
