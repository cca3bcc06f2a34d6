"""The OS keyring store: works on a real backend, and says what to install when there is none."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringLocked, PasswordDeleteError

from freeride.adapters.keyring import KeyringSecretStore, keyring_problem, keyring_stores
from freeride.config.secrets import ChainedSecretStore, EnvSecretStore
from freeride.ports.secrets import SecretStore, SecretStoreUnavailable


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
        if self.data.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")


class EmptyChainer(chainer.ChainerBackend):
    backends = []  # type: ignore[assignment]  # noqa: RUF012


@pytest.fixture(autouse=True)
def restore_keyring() -> Iterator[None]:
    original = keyring.get_keyring()
    yield
    keyring.set_keyring(original)


def test_round_trip_on_the_selected_backend() -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    store = KeyringSecretStore("svc")
    assert isinstance(store, SecretStore)
    assert (store.name, store.writable) == ("keyring", True)
    store.check()
    assert store.get("finnhub_api_key") is None
    store.set("finnhub_api_key", "k")
    assert backend.data == {("svc", "finnhub_api_key"): "k"}
    assert store.get("finnhub_api_key") == "k"
    store.delete("finnhub_api_key")
    store.delete("finnhub_api_key")
    assert store.get("finnhub_api_key") is None


def test_pinned_backend_ignores_the_global_one() -> None:
    keyring.set_keyring(fail.Keyring())
    pinned = MemoryKeyring()
    store = KeyringSecretStore("svc", backend=pinned)
    store.set("a", "1")
    assert store.get("a") == "1"


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), EmptyChainer()])
def test_no_backend_is_a_clear_condition_not_a_crash(backend: KeyringBackend) -> None:
    keyring.set_keyring(backend)
    store = KeyringSecretStore()
    assert keyring_problem() is not None
    for call in (store.check, lambda: store.get("a"), lambda: store.set("a", "1")):
        with pytest.raises(SecretStoreUnavailable) as caught:
            call()
        message = str(caught.value)
        assert message.startswith("no OS keyring backend available")
        assert "install e.g. `keyrings.alt` or run a Secret Service" in message


def test_a_locked_keyring_is_unavailable_too() -> None:
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(SecretStoreUnavailable, match="KeyringLocked: the collection is locked"):
        KeyringSecretStore().get("a")


def test_chain_falls_through_a_missing_keyring() -> None:
    keyring.set_keyring(fail.Keyring())
    stores = keyring_stores("svc")
    chain = ChainedSecretStore([stores["keyring"], EnvSecretStore({"FREERIDE_SECRET_A": "1"})], warn=False)
    assert chain.get("a") == "1"
    assert chain.get("b") is None


def test_keyring_problem_accepts_a_working_backend() -> None:
    assert keyring_problem(MemoryKeyring()) is None
