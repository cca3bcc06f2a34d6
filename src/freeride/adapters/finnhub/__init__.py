"""Finnhub: stock quotes, company profiles, WebSocket trades; candles are paid-only (403)."""
