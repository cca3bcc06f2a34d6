"""The Key Vault secret store through the real Azure SDK, its transport pointed at a fake vault."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError

from freeride.adapters.azure_keyvault import AzureKeyVaultSecretStore, vault_name
from freeride.config.secrets import ChainedSecretStore, EnvSecretStore, FileSecretStore
from freeride.ports.secrets import SecretStoreError, SecretStoreUnavailable
from freeride.testing.fakes.keyvault import FakeCredential, FakeKeyVault

URL = "https://freeride-test.vault.azure.net"


def store(vault: FakeKeyVault, credential: FakeCredential | None = None) -> AzureKeyVaultSecretStore:
    return AzureKeyVaultSecretStore(
        URL, credential=credential or FakeCredential(), transport=vault.transport()
    )


def test_names_are_mapped_to_key_vaults_alphabet() -> None:
    assert vault_name("robinhood_tokens") == "freeride-robinhood-tokens"
    assert vault_name("Alpaca.Key_ID", prefix="") == "alpaca-key-id"
    with pytest.raises(SecretStoreError):
        vault_name("x" * 200)


def test_get_and_set_through_the_sdk_with_the_bearer_challenge() -> None:
    vault = FakeKeyVault(URL)
    credential = FakeCredential()
    kv = store(vault, credential)
    assert kv.get("alpaca_key_id") is None  # SecretNotFound is a miss, not an error
    kv.set("alpaca_key_id", "PK123")
    assert vault.value("freeride-alpaca-key-id") == "PK123"
    assert kv.get("alpaca_key_id") == "PK123"
    assert vault.challenges == 1  # the SDK met the challenge once, then reused the token
    assert credential.scopes == ["https://vault.azure.net/.default"]
    kv.check()


def test_missing_permission_or_identity_makes_the_store_unavailable_with_the_fix() -> None:
    vault = FakeKeyVault(URL)
    vault.deny("get")
    with pytest.raises(SecretStoreUnavailable, match="refused access") as caught:
        store(vault).get("x")
    assert "get/set/list permission" in caught.value.fix
    no_identity = FakeCredential(fail=ClientAuthenticationError("DefaultAzureCredential failed"))
    with pytest.raises(SecretStoreUnavailable, match="refused access"):
        store(FakeKeyVault(URL), no_identity).get("x")


def test_the_chain_skips_an_unusable_vault_and_writes_back_where_the_token_lives(tmp_path: Path) -> None:
    vault = FakeKeyVault(URL)
    kv = store(vault)
    kv.set("robinhood_tokens", "old")
    chain = ChainedSecretStore([EnvSecretStore({}), FileSecretStore(tmp_path / "s.json"), kv])
    assert chain.get("robinhood_tokens") == "old"
    assert chain.write_back("robinhood_tokens", "new") == ["azure_keyvault"]  # the file never had it
    assert vault.value("freeride-robinhood-tokens") == "new"
    assert not (tmp_path / "s.json").exists()
    vault.deny("get")
    broken = ChainedSecretStore([kv, FileSecretStore(tmp_path / "s.json")], warn=False)
    assert broken.get("robinhood_tokens") is None  # skipped, the file asked next
