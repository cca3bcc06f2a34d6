"""The simulated exchange: one matching engine for the backtester and the paper broker."""
