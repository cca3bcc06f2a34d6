"""The commented ``freeride.toml`` that ``freeride config init`` writes.

Only what is safe to switch on is left active (a watchlist); everything else is shown commented
out with a real example, so the file reads as a guide and loads as valid settings as written.
"""

from __future__ import annotations

from freeride.config.paths import default_database_url

STARTER = """\
# freeride settings, read by every freeride command from any folder.
# Every setting is described in docs/configuration.md. Environment variables (FREERIDE_…) and a
# .env file override what is written here; `freeride config show` prints the settings in effect
# and where each one came from. Unknown keys are refused, with this file and the key named.

# The database. SQLite in your data folder unless set here, with FREERIDE_DATABASE_URL or --db.
# database_url = "{database_url}"
# database_url = "postgresql://freeride@127.0.0.1:5432/freeride"

# Symbols streamed for alerts, research and the dashboard; nothing trades them.
# `freeride watch add SYMBOL` adds more without editing this file (stored in the database).
[watchlists]
default = ["AAPL", "MSFT", "EUR/USD"]

# What trades: one strategy on one instrument each, with its own paper account unless `account`
# names a shared one. Without sleeves, `freeride run` replays the shipped GOOG and EUR/USD demo.
# [[sleeves]]
# symbol = "AAPL"
# strategy = "sma_cross"   # sma_cross, ema_cross, rsi_reversion, donchian_breakout, bollinger_reversion
# params = {{ fast = 10, slow = 30 }}
# quantity = 10                    # units bought or sold per trade
# interval = "1d"
#
# [[sleeves]]
# symbol = "EUR/USD"
# strategy = "sma_cross"
# params = {{ fast = 20, slow = 50 }}
# quantity = 10000
# interval = "1h"

# Market data. Yahoo needs no key. Keys are better kept in a secret store than here:
# `FREERIDE_SECRET_FINNHUB_API_KEY=…` in the environment, or the secrets file / OS keyring.
[providers]
# enabled = ["replay", "finnhub", "yahoo"]
# limits = {{ finnhub = ["300/min"] }}   # a paid plan's limits

# Notification channels by name; alert rules name the ones they notify (`--notify discord`).
[notify]
# operator_channel = "discord"         # hears about broken channels
#
# [notify.discord]
# discord = "https://discord.com/api/webhooks/123/abc"
#
# [notify.webhooks.mine]
# url = "https://example.com/hooks/freeride"
# secret = "a-long-random-signing-secret"

[alerts]
# default_notify = ["discord"]         # channels for rules that name none

# Who trades live: paper (simulated fills at live quotes), alpaca or robinhood.
[execution]
broker = "paper"

# The dashboard and API.
[api]
# port = 8000
"""


def starter_text() -> str:
    """The starter with this machine's default database path filled in."""
    return STARTER.format(database_url=default_database_url())
