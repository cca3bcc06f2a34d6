"""Massive (formerly Polygon): aggregates v2, last trade, WebSocket trades and quotes."""
