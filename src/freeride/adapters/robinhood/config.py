"""Robinhood settings: where its API is, the OAuth client it presents, and session timing."""

from __future__ import annotations

from dataclasses import dataclass

BASE_URL = "https://api.robinhood.com"
# The public client id Robinhood's own web app uses (every unofficial client sends it).
CLIENT_ID = "c82SH0WZOsabOXGP2sxqcj34FxkvfnWRZBKlBjFS"


@dataclass(frozen=True)
class RobinhoodConfig:
    base_url: str = BASE_URL
    client_id: str = CLIENT_ID
    expires_in_s: int = 86_400
    refresh_ahead_s: float = 3_600.0
    poll_s: float = 2.0
    timeout_s: float = 10.0
    challenge_poll_s: float = 5.0
    challenge_timeout_s: float = 120.0
    order_lookback_s: float = 7 * 86_400.0
    name: str = "robinhood"
