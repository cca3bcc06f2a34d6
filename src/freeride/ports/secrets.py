"""What the core needs from a place that keeps secrets (API keys, tokens, passwords).

Stores are chained (env → file → OS keyring → …), so each store only has to answer "do you have
this one?" and "can you work at all on this machine?"; the chain decides what to do about misses
and about stores that cannot work here.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from freeride.core.errors import ConfigError


class SecretStoreError(ConfigError):
    """A secret store cannot do what was asked; ``fix`` is the one thing the operator should do."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(f"{message} — {fix}")
        self.problem = message
        self.fix = fix


class SecretStoreUnavailable(SecretStoreError):
    """The store cannot work on this machine at all (no OS keyring, no vault access).

    A chain skips such a store with a warning instead of failing, because the next store in the
    order may well hold the secret.
    """


@runtime_checkable
class SecretStore(Protocol):
    """One source of secrets, looked up by a short snake_case name like ``finnhub_api_key``."""

    @property
    def name(self) -> str:
        """Short name used in settings (``secrets.order``) and in messages: ``env``, ``file``…"""
        ...

    @property
    def writable(self) -> bool:
        """Whether ``set`` can store a secret here (the environment, for one, is read-only)."""
        ...

    def get(self, name: str) -> str | None:
        """The secret, or ``None`` when this store does not have it.

        Raises ``SecretStoreUnavailable`` when the store cannot work here, and ``ConfigError``
        when it is set up unsafely (e.g. a secrets file others can read).
        """
        ...

    def set(self, name: str, value: str) -> None:
        """Store a secret; raises ``SecretStoreError`` on a read-only store."""
        ...

    def check(self) -> None:
        """Raise ``SecretStoreError`` (with its fix) when the store is unusable, else return."""
        ...
