"""The ``SecretStore`` contract: env, file, OS keyring and Azure Key Vault answer the chain alike.

What the secret chain relies on: a missing secret is ``None`` (not an error); a stored value comes
back exactly, JSON and non-ASCII included (the Robinhood tokens are a JSON document); a writable
store keeps the newest value (a rotated token) and the names apart; a read-only one refuses a write
with a ``SecretStoreError`` that says what to do instead; ``check`` passes when the store works,
and a store that cannot work on this machine raises ``SecretStoreUnavailable`` with the fix, which
the chain skips. The chain gives the same answers off the event loop (``get_async``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from secret_subjects import FACTORIES, SecretSubject

from freeride.config.secrets import ChainedSecretStore
from freeride.ports.secrets import SecretStore, SecretStoreError, SecretStoreUnavailable

TOKENS = json.dumps({"access_token": "a.b.c", "refresh_token": "r/1+2=", "note": "clé – 東京"})


@pytest.fixture(params=list(FACTORIES))
def subject(request: pytest.FixtureRequest, tmp_path: Path) -> SecretSubject:
    return FACTORIES[request.param](tmp_path)


@pytest.fixture(params=[name for name in FACTORIES if name not in ("env", "file")])
def outside(request: pytest.FixtureRequest, tmp_path: Path) -> SecretSubject:
    """The stores that depend on something outside the process (a keyring daemon, a vault)."""
    return FACTORIES[request.param](tmp_path)


def test_it_is_a_secret_store_named_as_in_the_settings(subject: SecretSubject) -> None:
    assert isinstance(subject.store, SecretStore)
    assert subject.store.name == subject.name
    subject.store.check()


def test_a_missing_secret_is_none(subject: SecretSubject) -> None:
    assert subject.store.get("finnhub_api_key") is None


def test_a_stored_value_comes_back_exactly(subject: SecretSubject) -> None:
    subject.seed("robinhood_tokens", TOKENS)
    subject.seed("alpaca_key_id", "PK123")
    assert subject.store.get("robinhood_tokens") == TOKENS
    assert subject.store.get("alpaca_key_id") == "PK123"


def test_a_writable_store_keeps_the_newest_value_and_the_names_apart(subject: SecretSubject) -> None:
    store = subject.store
    if not store.writable:
        with pytest.raises(SecretStoreError) as caught:
            store.set("robinhood_tokens", TOKENS)
        assert caught.value.fix  # says what to do instead
        assert store.get("robinhood_tokens") is None
        return
    store.set("robinhood_tokens", "old")
    store.set("robinhood_device_token", "device-1")
    store.set("robinhood_tokens", TOKENS)  # rotated
    assert store.get("robinhood_tokens") == TOKENS
    assert store.get("robinhood_device_token") == "device-1"


def test_a_store_that_cannot_work_here_says_so_with_the_fix(outside: SecretSubject) -> None:
    subject = outside
    assert subject.unusable is not None
    broken = subject.unusable()
    for call in (broken.check, lambda: broken.get("alpaca_key_id")):
        with pytest.raises(SecretStoreUnavailable) as caught:
            call()
        assert caught.value.fix
    chain = ChainedSecretStore([broken, subject.store], warn=False)
    subject.seed("alpaca_key_id", "PK123")
    assert chain.get("alpaca_key_id") == "PK123"  # skipped, the next store answers


async def test_the_chain_answers_the_same_off_the_event_loop(subject: SecretSubject) -> None:
    subject.seed("robinhood_tokens", TOKENS)
    chain = ChainedSecretStore([subject.store], warn=False)
    assert await chain.get_async("robinhood_tokens") == TOKENS
    assert await chain.get_async("finnhub_api_key") is None
    if subject.store.writable:
        assert await chain.write_back_async("robinhood_tokens", "rotated") == [subject.name]
        assert subject.store.get("robinhood_tokens") == "rotated"
