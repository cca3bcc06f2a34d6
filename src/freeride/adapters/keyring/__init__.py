"""The OS keyring (macOS Keychain, Windows Credential Locker, Secret Service) as a secret store."""

from freeride.adapters.keyring.store import KeyringSecretStore, keyring_problem, keyring_stores

__all__ = ["KeyringSecretStore", "keyring_problem", "keyring_stores"]
