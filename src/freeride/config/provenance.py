"""Where each effective setting came from: the command line, the environment, ``.env``, the
settings file or the default.

pydantic-settings merges its sources into one dictionary and forgets which gave what. To answer
"why is the bus on Redis?" the sources are read again, separately, in the same order of priority
(command line › environment › ``.env`` › ``freeride.toml`` › default); a value belongs to the first
that sets it or sets a section containing it as a whole (``FREERIDE_RUN='{…}'``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_settings import BaseSettings

from freeride.config.paths import config_file
from freeride.config.schema import ENV_NESTED_DELIMITER, ENV_PREFIX, submodel
from freeride.config.sources import StrictDotEnvSource, StrictEnvSource
from freeride.config.toml_source import StrictTomlSource

Loc = tuple[str | int, ...]
DEFAULT = "default"


@dataclass(frozen=True)
class Layer:
    """One source's own values; ``names`` are the variables it holds (environment and ``.env``)."""

    kind: str  # "command line", "environment", ".env", "file"
    label: str
    data: Mapping[str, Any]
    names: frozenset[str] = field(default_factory=frozenset)

    def sets(self, loc: Loc) -> bool:
        """Whether this layer gives ``loc`` a value, itself or through a section set as a whole."""
        node: Any = self.data
        for part in loc:
            if not isinstance(node, Mapping):
                return True  # a list or scalar above ``loc``: the whole of it came from here
            if part not in node:
                return False
            node = node[part]
        return True

    def describe(self, loc: Loc) -> str:
        """``environment (FREERIDE_RUN__SPEED)``: the variable that set it, where one did."""
        if not self.names:
            return self.label
        for end in range(len(loc), 0, -1):
            head = loc[:end]
            if any(isinstance(p, int) for p in head):
                continue  # no variable addresses a list item: the list's own variable set it
            name = ENV_PREFIX + ENV_NESTED_DELIMITER.join(str(p).upper() for p in head)
            if name in self.names:
                return f"{self.label} ({name})"
        return self.label


def layers(
    settings_cls: type[BaseSettings],
    overrides: Mapping[str, Any] | None = None,
    env_file: str | Path | None = ".env",
) -> list[Layer]:
    """The sources ``load_settings`` reads, highest priority first."""
    env = StrictEnvSource(settings_cls)
    found = [
        Layer("command line", "command line", dict(overrides or {})),
        Layer("environment", "environment", env(), _names(env.env_vars)),
    ]
    if env_file is not None and Path(env_file).is_file():
        dotenv = StrictDotEnvSource(settings_cls, env_file=env_file)
        found.append(
            Layer(".env", f".env file {Path(env_file).resolve()}", dotenv(), _names(dotenv.env_vars))
        )
    path = config_file()
    if path is not None:
        found.append(Layer("file", str(path.resolve()), StrictTomlSource(settings_cls, path).data))
    return found


def _names(env_vars: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(name.upper() for name in env_vars if name.upper().startswith(ENV_PREFIX))


def origin(found: list[Layer], loc: Loc) -> Layer | None:
    """The layer that gave ``loc`` its value, or ``None`` for a default."""
    return next((layer for layer in found if layer.sets(loc)), None)


def file_of(found: list[Layer]) -> Any:
    """For ``problems_from``: the settings file a problem's value came from, or ``""``."""

    def resolve(loc: Loc) -> str:
        layer = origin(found, loc)
        return layer.label if layer is not None and layer.kind == "file" else ""

    return resolve


def leaves(model: type[BaseModel], prefix: Loc = ()) -> Iterator[Loc]:
    """Every setting that holds a value (not a section), in the order the model declares them."""
    for name, info in model.model_fields.items():
        child = submodel(info.annotation)
        if child is None:
            yield (*prefix, name)
        else:
            yield from leaves(child, (*prefix, name))
