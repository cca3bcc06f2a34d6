"""``--bus memory|redis://…``: which bus a command runs on, as settings overrides."""

from __future__ import annotations

from typing import Any

from freeride.core.errors import ConfigError


def bus_overrides(value: str) -> dict[str, Any]:
    """Settings that put the process on the named bus; anything else is refused, saying what is."""
    if value == "memory":
        return {"bus": {"backend": "memory"}}
    if value.startswith(("redis://", "rediss://", "unix://")):
        return {"bus": {"backend": "redis"}, "redis_url": value}
    raise ConfigError(f"--bus {value!r}: expected 'memory' or a Redis URL such as redis://127.0.0.1:6379/0")
