"""Secret stores: env names, the private JSON file, the chain's order and its skipping rules."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from freeride.adapters.keyring import KeyringSecretStore
from freeride.config.secrets import (
    ChainedSecretStore,
    EnvSecretStore,
    FileSecretStore,
    UnavailableSecretStore,
    build_secret_store,
    env_secret_name,
)
from freeride.config.settings import load_settings
from freeride.ports.secrets import SecretStore, SecretStoreError, SecretStoreUnavailable

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


class DictStore:
    """A writable in-memory store for chain tests."""

    def __init__(self, name: str, data: dict[str, str] | None = None, writable: bool = True) -> None:
        self.name = name
        self.writable = writable
        self.data = dict(data or {})

    def get(self, name: str) -> str | None:
        return self.data.get(name)

    def set(self, name: str, value: str) -> None:
        self.data[name] = value

    def check(self) -> None:
        return None


def test_stores_satisfy_the_protocol(tmp_path: Path) -> None:
    for store in (EnvSecretStore({}), FileSecretStore(tmp_path / "s.json"), ChainedSecretStore([])):
        assert isinstance(store, SecretStore)


def test_env_secret_name() -> None:
    assert env_secret_name("finnhub_api_key") == "FREERIDE_SECRET_FINNHUB_API_KEY"
    assert env_secret_name("alpaca.key-id") == "FREERIDE_SECRET_ALPACA_KEY_ID"


def test_env_store_reads_environment_then_dotenv(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("FREERIDE_SECRET_A=from-file\nFREERIDE_SECRET_B=file-b\n", encoding="utf-8")
    store = EnvSecretStore({"FREERIDE_SECRET_A": "from-env", "FREERIDE_SECRET_C": ""}, env_file)
    assert store.get("a") == "from-env"
    assert store.get("b") == "file-b"
    assert store.get("c") is None
    assert store.get("missing") is None


def test_env_store_is_read_only() -> None:
    with pytest.raises(SecretStoreError, match="export FREERIDE_SECRET_X="):
        EnvSecretStore({}).set("x", "v")


def test_env_store_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREERIDE_SECRET_TOKEN", "t")
    assert EnvSecretStore().get("token") == "t"


def test_file_store_missing_file_has_nothing(tmp_path: Path) -> None:
    store = FileSecretStore(tmp_path / "none.json")
    assert store.get("x") is None
    store.check()


@posix_only
def test_file_store_writes_atomically_with_0600(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "secrets.json"
    store = FileSecretStore(path)
    store.set("a", "1")
    store.set("b", "2")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": "1", "b": "2"}
    assert sorted(p.name for p in path.parent.iterdir()) == ["secrets.json"]
    assert FileSecretStore(path).get("b") == "2"


@posix_only
def test_failed_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secrets.json"
    store = FileSecretStore(path)
    store.set("a", "1")

    def broken_dump(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(json, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        store.set("b", "2")
    monkeypatch.undo()
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": "1"}
    assert [p.name for p in tmp_path.iterdir()] == ["secrets.json"]


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_file_store_refuses_a_file_others_can_access(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "secrets.json"
    path.write_text('{"a": "1"}', encoding="utf-8")
    path.chmod(mode)
    store = FileSecretStore(path)
    for call in (lambda: store.get("a"), store.check):
        with pytest.raises(SecretStoreError) as caught:
            call()
        assert f"run: chmod 600 {path}" in str(caught.value)
        assert "accessible by group or others" in str(caught.value)
        assert not isinstance(caught.value, SecretStoreUnavailable)


@posix_only
@pytest.mark.parametrize("text", ["not json", '["a"]', '{"a": 1}'])
def test_file_store_rejects_malformed_files(tmp_path: Path, text: str) -> None:
    path = tmp_path / "secrets.json"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(SecretStoreError, match="JSON object"):
        FileSecretStore(path).get("a")


def test_chain_get_returns_the_first_hit_in_order() -> None:
    first = DictStore("first", {"a": "1"})
    second = DictStore("second", {"a": "2", "b": "3"})
    chain = ChainedSecretStore([first, second])
    assert chain.get("a") == "1"
    assert chain.get("b") == "3"
    assert chain.get("c") is None
    assert ChainedSecretStore([second, first]).get("a") == "2"


def test_chain_set_writes_to_the_first_writable_store() -> None:
    read_only = DictStore("ro", writable=False)
    writable = DictStore("rw")
    chain = ChainedSecretStore([read_only, writable, DictStore("later")])
    assert chain.writable
    chain.set("a", "1")
    assert read_only.data == {}
    assert writable.data == {"a": "1"}


def test_chain_skips_an_unavailable_store_with_one_warning() -> None:
    missing = UnavailableSecretStore("keyring", "no OS keyring backend available", "install keyrings.alt")
    chain = ChainedSecretStore([missing, DictStore("file", {"a": "1"})])
    with capture_logs() as logs:
        assert chain.get("a") == "1"
        assert chain.get("a") == "1"
        chain.set("b", "2")
    assert logs == [
        {
            "event": "secret store skipped",
            "store": "keyring",
            "problem": "no OS keyring backend available",
            "fix": "install keyrings.alt",
            "log_level": "warning",
        }
    ]


def test_chain_without_a_usable_writable_store() -> None:
    missing = UnavailableSecretStore("keyring", "gone", "fix it")
    chain = ChainedSecretStore([EnvSecretStore({}), missing], warn=False)
    with pytest.raises(SecretStoreError, match="no writable secret store is usable"):
        chain.set("a", "1")


@posix_only
def test_chain_does_not_skip_an_unsafe_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text('{"a": "1"}', encoding="utf-8")
    path.chmod(0o644)
    chain = ChainedSecretStore([FileSecretStore(path), DictStore("later", {"a": "2"})])
    with pytest.raises(SecretStoreError, match="chmod 600"):
        chain.get("a")


def test_build_follows_the_settings_order(tmp_path: Path, memory_keyring: Any) -> None:
    settings = load_settings(secrets={"order": ["keyring", "file", "env"], "file": str(tmp_path / "s.json")})
    keyring_store = KeyringSecretStore("freeride")
    chain = build_secret_store(settings, {"keyring": keyring_store}, environ={"FREERIDE_SECRET_A": "env"})
    assert [s.name for s in chain.stores] == ["keyring", "file", "env"]
    assert chain.stores[0] is keyring_store
    assert chain.get("a") == "env"
    chain.set("a", "kr")
    assert memory_keyring.data == {("freeride", "a"): "kr"}
    assert chain.get("a") == "kr"


def test_build_without_a_keyring_store_stands_in_an_unavailable_one(tmp_path: Path) -> None:
    settings = load_settings(secrets={"file": str(tmp_path / "s.json")})
    chain = build_secret_store(settings, environ={}, warn=False)
    assert [s.name for s in chain.stores] == ["env", "file", "keyring"]
    with pytest.raises(SecretStoreUnavailable, match="no keyring secret store was provided"):
        chain.stores[2].check()
    chain.set("a", "1")  # env is read-only, so it lands in the file
    assert FileSecretStore(tmp_path / "s.json").get("a") == "1"
