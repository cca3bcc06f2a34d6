"""Alpaca settings: which endpoint (paper or live), the keys, the reconnect pacing, and the page
size used when reading missed fills back from the account activities after a reconnect."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

LIVE_URL = "https://api.alpaca.markets"
PAPER_URL = "https://paper-api.alpaca.markets"


@dataclass(frozen=True)
class AlpacaConfig:
    key_id: SecretStr
    secret_key: SecretStr
    base_url: str = PAPER_URL
    stream_url: str = "wss://paper-api.alpaca.markets/stream"
    timeout_s: float = 10.0
    reconnect_base_s: float = 0.5
    reconnect_cap_s: float = 30.0
    activities_page_size: int = 100  # Alpaca's maximum when no ``date`` is given
    name: str = "alpaca"

    @property
    def paper(self) -> bool:
        return "paper" in self.base_url
