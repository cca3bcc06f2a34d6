"""Settings of execution: which broker trades, how orders are checked, when trading stops."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from freeride.config.brokers import AlpacaSettings, RobinhoodSettings
from freeride.config.problems import problem
from freeride.config.risk import KillSwitchSettings, RiskSettings
from freeride.config.run import FrozenConfig

BrokerName = Literal["paper", "alpaca", "robinhood"]


class ExecutionSettings(FrozenConfig):
    broker: BrokerName = "paper"
    account: str = "live"
    approval_mode: bool = False
    approval_timeout_s: float = 3600.0
    health_interval_s: float = 30.0
    lookup_attempts: int = 5
    lookup_wait_s: float = 1.0
    resend_unsent_within_s: float = 30.0
    lease_ttl_s: float = Field(default=15.0, gt=0)
    """An execution worker's hold on its account: renewed every third of this; a standby worker
    takes over this long after the holder stopped renewing (``freeride worker --role execution``)."""
    risk: RiskSettings = Field(default_factory=RiskSettings)
    kill_switch: KillSwitchSettings = Field(default_factory=KillSwitchSettings)
    alpaca: AlpacaSettings = Field(default_factory=AlpacaSettings)
    robinhood: RobinhoodSettings = Field(default_factory=RobinhoodSettings)

    @field_validator("account")
    @classmethod
    def _account(cls, value: str) -> str:
        text = value.strip()
        if not text or len(text) > 64 or any(c.isspace() for c in text):
            raise problem(f"{value!r} is not a usable account name", "use 1-64 characters without spaces")
        return text

    @field_validator("health_interval_s", "lookup_wait_s")
    @classmethod
    def _seconds(cls, value: float) -> float:
        if value <= 0:
            raise problem(f"must be > 0, got {value}", "set a number of seconds, e.g. 1")
        return value

    @field_validator("approval_timeout_s")
    @classmethod
    def _approval_timeout(cls, value: float) -> float:
        if value < 0:
            raise problem(
                f"must be >= 0, got {value}", "set seconds, e.g. 3600 (0: held orders never expire)"
            )
        return value

    @field_validator("resend_unsent_within_s")
    @classmethod
    def _resend(cls, value: float) -> float:
        if value < 0:
            raise problem(f"must be >= 0, got {value}", "set seconds, e.g. 30 (0 never resends)")
        return value

    @field_validator("lookup_attempts")
    @classmethod
    def _attempts(cls, value: int) -> int:
        if not 1 <= value <= 100:
            raise problem(f"must be 1-100, got {value}", "set e.g. 5")
        return value

    def run_id(self) -> str:
        """The id live orders are stored under: one per broker and account, stable across restarts."""
        return f"live-{self.broker}-{self.account}"
