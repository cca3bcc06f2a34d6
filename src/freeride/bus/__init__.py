"""The event bus: in-memory by default, Redis Streams when work spreads over processes."""
