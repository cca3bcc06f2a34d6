"""Azure Key Vault as a secret store in the chain."""

from freeride.adapters.azure_keyvault.store import AzureKeyVaultSecretStore, vault_name

__all__ = ["AzureKeyVaultSecretStore", "vault_name"]
