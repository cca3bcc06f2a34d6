"""Every ``SecretStore``: the environment, the secrets file, the OS keyring (an in-memory backend
through the real ``keyring`` package) and Azure Key Vault (the real SDK against a fake vault)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.backends import fail

from freeride.adapters.azure_keyvault import AzureKeyVaultSecretStore
from freeride.adapters.keyring import KeyringSecretStore
from freeride.config.secrets import EnvSecretStore, FileSecretStore, env_secret_name
from freeride.ports.secrets import SecretStore
from freeride.testing.fakes.keyvault import FakeCredential, FakeKeyVault

VAULT_URL = "https://freeride-contract.vault.azure.net"  # its own host: the SDK caches challenges per host


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.data.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.data[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.data.pop((service, username), None)


@dataclass
class SecretSubject:
    name: str
    store: SecretStore
    seed: Callable[[str, str], None]  # put a secret there the way its owner would
    unusable: Callable[[], SecretStore] | None  # the same kind of store that cannot work here


def env(tmp_path: Path) -> SecretSubject:
    environ: dict[str, str] = {}

    def seed(name: str, value: str) -> None:
        environ[env_secret_name(name)] = value

    return SecretSubject("env", EnvSecretStore(environ), seed, None)


def file(tmp_path: Path) -> SecretSubject:
    store = FileSecretStore(tmp_path / "secrets.json")
    return SecretSubject("file", store, store.set, None)


def keyring(tmp_path: Path) -> SecretSubject:
    backend = MemoryKeyring()

    def seed(name: str, value: str) -> None:
        backend.set_password("freeride", name, value)

    return SecretSubject(
        "keyring",
        KeyringSecretStore("freeride", backend=backend),
        seed,
        lambda: KeyringSecretStore("freeride", backend=fail.Keyring()),
    )


def azure_keyvault(tmp_path: Path) -> SecretSubject:
    vault = FakeKeyVault(VAULT_URL)
    store = AzureKeyVaultSecretStore(VAULT_URL, credential=FakeCredential(), transport=vault.transport())

    def unusable() -> SecretStore:
        denied = FakeKeyVault(VAULT_URL)
        denied.deny("get")
        denied.deny("set")
        return AzureKeyVaultSecretStore(VAULT_URL, credential=FakeCredential(), transport=denied.transport())

    return SecretSubject("azure_keyvault", store, store.set, unusable)


FACTORIES: dict[str, Callable[[Path], SecretSubject]] = {
    "env": env,
    "file": file,
    "keyring": keyring,
    "azure_keyvault": azure_keyvault,
}
