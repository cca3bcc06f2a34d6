"""freeride: one event-driven core for trading research and automation."""

__version__ = "0.1.0"
