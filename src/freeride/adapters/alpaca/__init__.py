"""Alpaca (paper and live): orders, positions, account, and the ``trade_updates`` stream."""

from freeride.adapters.alpaca.broker import AlpacaBroker
from freeride.adapters.alpaca.config import AlpacaConfig

__all__ = ["AlpacaBroker", "AlpacaConfig"]
