"""Strategies: events in, signals and order intents out; the same object backtests and trades live."""
