"""Robinhood: its own async OAuth client (device token, verification workflow, TOTP, refresh
rotation), a token daemon, and the broker with idempotent ``ref_id`` orders."""

from freeride.adapters.robinhood.auth import Headless, Responder, RobinhoodAuth
from freeride.adapters.robinhood.broker import RobinhoodBroker
from freeride.adapters.robinhood.config import RobinhoodConfig
from freeride.adapters.robinhood.tokens import Tokens, TokenVault

__all__ = [
    "Headless",
    "Responder",
    "RobinhoodAuth",
    "RobinhoodBroker",
    "RobinhoodConfig",
    "TokenVault",
    "Tokens",
]
