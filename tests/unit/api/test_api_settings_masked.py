"""``GET /api/v1/settings`` shows no credential, whichever field holds it.

The test walks every field of ``Settings`` (nested sections, maps and lists of sections included)
and, one field at a time, gives each that accepts text a URL full of credentials, and each secret
a secret. A field that refuses such a value cannot hold one; every field that accepts it must come
back masked. A field added later is walked the same way, so it cannot slip through.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr, ValidationError
from v1_rig import V1

from freeride.config.notify import OutboundWebhookSettings
from freeride.config.run import FeedSettings
from freeride.config.settings import RateLimitSetting, Settings
from freeride.config.trading import SleeveSettings
from freeride.config.urls import mask_setting

PASSWORD = "pw-S3CRET-1"
QUERY_TOKEN = "qt-S3CRET-2"
PATH_TOKEN = "pt9S3CRETx8y7z6w5v4"
FRAGMENT = "fr-S3CRET-3"
SECRET = "sv-S3CRET-4-long-enough-for-any-check"
URLS = [
    f"https://user:{PASSWORD}@hooks.example.com/services/T1/{PATH_TOKEN}?token={QUERY_TOKEN}&n=1#{FRAGMENT}",
    f"postgresql+asyncpg://user:{PASSWORD}@db.example.com:5432/freeride",
    f"redis://:{PASSWORD}@cache.example.com:6379/0",
    f"wss://stream.example.com/v2/{PATH_TOKEN}?apiKey={QUERY_TOKEN}",
]
MARKERS = ("S3CRET",)

# A valid entry for each section that has required fields, as maps and lists hold them: a section
# without an example here fails the test, so a new one is noticed rather than skipped.
EXAMPLES: dict[type[BaseModel], Any] = {
    OutboundWebhookSettings: {"url": "https://hooks.example.com/in", "secret": "x" * 32},
    FeedSettings: {"symbol": "GOOG", "shipped": "GOOG_daily.csv", "quantity": "50"},
    SleeveSettings: {"symbol": "GOOG", "quantity": "50"},
    RateLimitSetting: "300/min",
}


def _args(tp: Any) -> tuple[Any, ...]:
    return typing.get_args(tp)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _texts(tp: Any) -> bool:
    """Whether a field of this type takes text (a URL or a secret may be given to it)."""
    if _is_union(tp):
        return any(_texts(a) for a in _args(tp) if a is not type(None))
    if typing.get_origin(tp) is typing.Annotated:
        return _texts(_args(tp)[0])
    return tp in (str, SecretStr, Path)


def leaves(model: type[BaseModel], base: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, type) of every field that takes text, inside sections, maps and lists."""
    hints = typing.get_type_hints(model, include_extras=True)
    for name in model.model_fields:
        yield from _walk(hints[name], (*base, name))


def _walk(tp: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if typing.get_origin(tp) is typing.Annotated:
        tp = _args(tp)[0]
    if _is_union(tp):
        for arg in _args(tp):
            if arg is not type(None) and not _texts(arg):
                yield from _walk(arg, path)
        if _texts(tp):
            yield path, tp
        return
    origin = typing.get_origin(tp)
    if origin is dict:
        yield from _walk(_args(tp)[1], (*path, "k"))
    elif origin is list:
        yield from _walk(_args(tp)[0], (*path, 0))
    elif isinstance(tp, type) and issubclass(tp, BaseModel):
        yield from leaves(tp, path)
    elif _texts(tp):
        yield path, tp


def _container_example(path: tuple[Any, ...]) -> tuple[int, Any] | None:
    """Where the innermost map/list entry on ``path`` starts, with an example entry to edit."""
    model: Any = Settings
    found: tuple[int, Any] | None = None
    for i, step in enumerate(path):
        hints = (
            typing.get_type_hints(model, include_extras=True) if isinstance(step, str) and step != "k" else {}
        )
        if step in ("k", 0):
            inner = _inner(model)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                assert inner in EXAMPLES, f"add an example of {inner.__name__} to EXAMPLES"
                found = (i + 1, dict(EXAMPLES[inner]))
            model = inner
        else:
            model = _unwrap(hints[step])
    return found


def _unwrap(tp: Any) -> Any:
    if typing.get_origin(tp) is typing.Annotated:
        tp = _args(tp)[0]
    if _is_union(tp):
        tp = next(a for a in _args(tp) if a is not type(None))
    return tp


def _inner(tp: Any) -> Any:
    tp = _unwrap(tp)
    args = _args(tp)
    return _unwrap(args[-1] if typing.get_origin(tp) is dict else args[0])


def override(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """``Settings`` keyword arguments setting the leaf at ``path`` to ``value``."""
    example = _container_example(path)
    leaf: Any = value
    cut = len(path)
    if example is not None:
        cut, entry = example
        nested = entry
        for step in path[cut:-1]:
            nested = nested.setdefault(step, {})
        if len(path) > cut:
            nested[path[-1]] = value
            leaf = entry
        else:
            leaf = value
    for step in reversed(path[:cut]):
        leaf = {"k": leaf} if step == "k" else [leaf] if step == 0 else {step: leaf}
    assert isinstance(leaf, dict)
    return leaf


def _secret(tp: Any) -> bool:
    if typing.get_origin(tp) is typing.Annotated or _is_union(tp):
        return any(_secret(a) for a in _args(tp))
    return tp is SecretStr


def settings_with(path: tuple[Any, ...], tp: Any) -> list[Settings]:
    """Every way the field at ``path`` accepts a URL with credentials (or, a secret, any value)."""
    made = []
    for value in [*URLS, SECRET] if _secret(tp) else URLS:
        try:
            made.append(Settings(_env_file=None, **override(path, value)))  # type: ignore[call-arg]
        except ValidationError:
            continue
    return made


def test_the_walk_reaches_the_fields_that_hold_urls_and_secrets() -> None:
    names = {".".join(str(s) for s in path) for path, _ in leaves(Settings)}
    for expected in (
        "database_url",
        "redis_url",
        "providers.finnhub_url",
        "providers.finnhub_api_key",
        "execution.alpaca.base_url",
        "execution.alpaca.secret_key",
        "notify.discord.k",
        "notify.webhooks.k.url",
        "notify.webhooks.k.secret",
        "alerts.tradingview.passphrase",
        "secrets.azure_vault_url",
    ):
        assert expected in names


async def test_no_setting_shows_a_credential(v1: V1) -> None:
    accepted: list[str] = []
    for path, tp in leaves(Settings):
        for made in settings_with(path, tp):
            v1.state.full_settings = made
            response = await v1.get("/api/v1/settings", "admin")
            assert response.status_code == 200
            shown = response.text
            name = ".".join(str(s) for s in path)
            assert not any(m in shown for m in MARKERS), f"{name} shows a credential: {shown[:2000]}"
            accepted.append(name)
    held = set(accepted)
    assert {"database_url", "redis_url", "execution.alpaca.base_url", "notify.webhooks.k.url"} <= held
    assert {"notify.discord.k", "providers.massive_api_key", "alerts.tradingview.passphrase"} <= held
    assert len(held) >= 20


def test_the_masking_keeps_what_an_operator_needs() -> None:
    assert mask_setting("sqlite+aiosqlite:///./freeride.db") == "sqlite+aiosqlite:///./freeride.db"
    assert mask_setting("postgresql+asyncpg://app@db:5432/x") == "postgresql+asyncpg://app@db:5432/x"
    assert mask_setting(URLS[0]) == "https://user:***@hooks.example.com/services/T1/***?token=***&n=***#***"
    assert mask_setting("wss://ws.finnhub.io") == "wss://ws.finnhub.io"
    assert mask_setting("https:/user:pw@host/x") == "https:/user:***@host/x"  # a Path folds "//"


@pytest.mark.parametrize("quantity", [Decimal(1)])
def test_examples_are_valid(quantity: Decimal) -> None:
    Settings(_env_file=None, sleeves=[{**EXAMPLES[SleeveSettings], "quantity": quantity}])  # type: ignore[call-arg]
