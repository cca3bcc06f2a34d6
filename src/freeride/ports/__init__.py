"""Protocols the core needs from the outside world; services depend on these, never on adapters."""
