"""A Robinhood broker wired to the fake through the ASGI transport, with a file secret store."""

from __future__ import annotations

from pathlib import Path

from freeride.adapters.robinhood import RobinhoodAuth, RobinhoodBroker, RobinhoodConfig, TokenVault
from freeride.config.secrets import ChainedSecretStore, EnvSecretStore, FileSecretStore
from freeride.core.clock import ManualClock
from freeride.testing.fakes.alpaca import LostReplyTransport
from freeride.testing.fakes.robinhood import FakeRobinhood

T0 = 1_717_430_400_000_000_000
DEVICE = "1c2d3e4f-0000-4a4b-8c8d-9e9f00112233"
CONFIG = RobinhoodConfig(base_url="http://robinhood", challenge_poll_s=5.0, poll_s=2.0, refresh_ahead_s=3600)


class Code:
    """A person who reads the code the fake sent and types it in."""

    def __init__(self, fake: FakeRobinhood, wrong_first: bool = False) -> None:
        self.fake = fake
        self.asked: list[str] = []
        self.prompts = 0
        self.wrong_first = wrong_first

    async def code(self, channel: str) -> str:
        self.asked.append(channel)
        if self.wrong_first and len(self.asked) == 1:
            return "000000"
        return next(iter(self.fake.sent_codes.values()))

    async def approve_in_app(self) -> None:
        self.prompts += 1


def store(tmp_path: Path) -> ChainedSecretStore:
    return ChainedSecretStore([EnvSecretStore({}), FileSecretStore(tmp_path / "secrets.json")])


def auth(fake: FakeRobinhood, clock: ManualClock) -> RobinhoodAuth:
    return RobinhoodAuth(CONFIG, clock, LostReplyTransport(fake.app))


def broker(fake: FakeRobinhood, clock: ManualClock, secrets: ChainedSecretStore) -> RobinhoodBroker:
    return RobinhoodBroker(
        CONFIG, clock, TokenVault(secrets), transport=LostReplyTransport(fake.app), poll=False
    )
