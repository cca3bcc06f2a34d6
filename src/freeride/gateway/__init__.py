"""The market-data gateway: provider chains, failover, limits, caching, polling and stream fan-in."""
