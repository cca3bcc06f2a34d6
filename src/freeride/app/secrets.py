"""The secret stores only the composition root may build (they wrap concrete adapters)."""

from __future__ import annotations

from collections.abc import Mapping

from freeride.adapters.keyring import keyring_stores
from freeride.config.settings import Settings
from freeride.ports.secrets import SecretStore


def extra_secret_stores(settings: Settings) -> Mapping[str, SecretStore]:
    """Stores that live in ``adapters/`` for ``build_secret_store``, by the name used in settings."""
    return keyring_stores(settings.secrets.keyring_service)
