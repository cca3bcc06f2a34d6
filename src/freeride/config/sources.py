"""Environment and ``.env`` sources that refuse ``FREERIDE_`` variables they do not know.

pydantic-settings drops unknown environment variables silently, and with ``extra="forbid"`` it
rejects *every* unknown key of a ``.env`` file, including ones meant for other tools. We want the
middle: anything starting with ``FREERIDE_`` must be a setting (or a ``FREERIDE_SECRET_`` secret),
anything else is not ours to judge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from pydantic_settings import BaseSettings, DotEnvSettingsSource, EnvSettingsSource

from freeride.config.problems import UnknownVariable
from freeride.config.schema import is_allowed_extra, submodel


def _flag_unknown(
    data: dict[str, Any],
    env_vars: Mapping[str, str | None],
    prefix: str,
    root: type[BaseSettings],
    origin: str,
) -> dict[str, Any]:
    """Add each unknown ``FREERIDE_`` variable to ``data`` as an extra key, for ``extra="forbid"``.

    Each gets a stand-in value, never the real one, so no error report can show it.
    """
    lowered = prefix.lower()
    for name in env_vars:
        if name.lower().startswith(lowered) and not is_allowed_extra(name):
            rest = name[len(prefix) :].lower()
            if _dropped_silently(root, rest):
                data.setdefault(rest, UnknownVariable(name.upper(), origin))
    return data


def _dropped_silently(root: type[BaseSettings], rest: str) -> bool:
    """Whether pydantic-settings would ignore ``rest`` (``bus__backend``-style) without a word.

    That is a name unknown at the top level, or one that runs on past a leaf
    (``database_url__x``). An unknown key inside a nested model (``bus__nope``) is passed on by
    pydantic-settings and rejected by that model's own ``extra="forbid"``, so it is not ours.
    """
    model: type[BaseModel] | None = root
    for depth, part in enumerate(rest.split("__")):
        if model is None:
            return True
        if part not in model.model_fields:
            return depth == 0
        model = submodel(model.model_fields[part].annotation)
    return False


class StrictEnvSource(EnvSettingsSource):
    """The process environment, with unknown ``FREERIDE_`` variables reported."""

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        return _flag_unknown(data, self.env_vars, self.env_prefix, self.settings_cls, "the environment")


class StrictDotEnvSource(DotEnvSettingsSource):
    """The ``.env`` file(s): ``FREERIDE_`` keys must be settings, other keys are left alone."""

    def __call__(self) -> dict[str, Any]:
        # Skip DotEnvSettingsSource's own extras handling, which would reject non-FREERIDE keys.
        data = EnvSettingsSource.__call__(self)
        origin = f"env file {self.env_file}" if self.env_file else "env file"
        return _flag_unknown(data, self.env_vars, self.env_prefix, self.settings_cls, origin)
