"""Shared HTTP/WebSocket plumbing for provider adapters: clients, reply checks, limits, breakers, retry."""
