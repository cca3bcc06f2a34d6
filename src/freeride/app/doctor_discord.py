"""``freeride doctor --online`` for the Discord bot: does the bot token open the application whose
id and public key the settings name?

``GET /applications/@me`` with the bot token posts nothing and answers the application, with its
public key (``verify_key``): a wrong token, a token of another application, or a public key copied
from another one are each told apart, before Discord refuses to save the interactions URL or every
command is answered 401.
"""

from __future__ import annotations

import asyncio

import httpx

from freeride.app.discord import bot_token, build_discord_rest
from freeride.config.doctor import CheckResult
from freeride.config.settings import Settings
from freeride.core.clock import Clock
from freeride.core.errors import AuthError, FreerideError

CHECK = "online: discord bot"
PORTAL = "the developer portal's General Information page"


async def probe_discord_bot(
    settings: Settings, clock: Clock, timeout_s: float, transport: httpx.AsyncBaseTransport | None = None
) -> list[CheckResult]:
    """One row when the bot is configured; none otherwise."""
    if not settings.discord.enabled:
        return []
    token = await asyncio.to_thread(bot_token, settings)
    if token is None:
        return [
            CheckResult(
                CHECK,
                True,
                "no bot token: commands are answered, but sync-commands and channel posts need one",
                "store the Bot page's token as the secret discord_bot_token",
                warning=True,
            )
        ]
    rest = build_discord_rest(settings, clock, token=token, transport=transport)
    try:
        async with asyncio.timeout(timeout_s):
            app = await rest.current_application()
    except TimeoutError:
        return [
            CheckResult(
                CHECK, False, f"unreachable: no answer within {timeout_s:g}s", "check discord.api_url"
            )
        ]
    except AuthError as exc:
        return [
            CheckResult(
                CHECK,
                False,
                f"bot token rejected: {exc}",
                "reset the token on the Bot page and store it again",
            )
        ]
    except FreerideError as exc:
        return [CheckResult(CHECK, False, str(exc), "check discord.api_url and try again")]
    finally:
        await rest.aclose()
    return [_compare(settings, app)]


def _compare(settings: Settings, app: dict[str, object]) -> CheckResult:
    name = app.get("name") or "unnamed"
    if str(app.get("id")) != settings.discord.application_id:
        return CheckResult(
            CHECK,
            False,
            f"the bot token is application {app.get('id')}'s ({name}), not {settings.discord.application_id}",
            f"copy Application ID from {PORTAL} of the bot's application",
        )
    if str(app.get("verify_key", "")).lower() != settings.discord.public_key:
        return CheckResult(
            CHECK,
            False,
            f"discord.public_key is not {name}'s public key: every interaction would be refused (401)",
            f"copy Public Key from {PORTAL}",
        )
    return CheckResult(CHECK, True, f"application {name!r}: bot token and public key match")
