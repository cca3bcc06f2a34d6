"""The secret stores only the composition root may build (they wrap concrete adapters)."""

from __future__ import annotations

from collections.abc import Mapping

from freeride.adapters.azure_keyvault import AzureKeyVaultSecretStore
from freeride.adapters.keyring import keyring_stores
from freeride.config.settings import Settings
from freeride.ports.secrets import SecretStore


def extra_secret_stores(settings: Settings) -> Mapping[str, SecretStore]:
    """Stores that live in ``adapters/`` for ``build_secret_store``, by the name used in settings.

    The Key Vault store is built only when the order names it (it needs a vault URL and an Azure
    identity); its SDK is imported on first use, so it costs nothing otherwise.
    """
    stores: dict[str, SecretStore] = dict(keyring_stores(settings.secrets.keyring_service))
    url = settings.secrets.azure_vault_url
    if "azure_keyvault" in settings.secrets.order and url is not None:
        stores["azure_keyvault"] = AzureKeyVaultSecretStore(url, prefix=settings.secrets.azure_name_prefix)
    return stores
