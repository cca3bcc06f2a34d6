"""Walking the settings tree: which dotted keys and ``FREERIDE_`` variables exist.

pydantic-settings silently ignores environment variables it does not recognise, so a typo like
``FREERIDE_BUS__BACKEN=redis`` would leave the bus in memory without a word. Knowing the full set
of valid names lets us reject such variables and suggest the one that was meant.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

ENV_PREFIX = "FREERIDE_"
ENV_NESTED_DELIMITER = "__"

# FREERIDE_ variables that belong to something other than the settings tree. The environment
# secret store reads FREERIDE_SECRET_<NAME>, so those are never "unknown settings".
ALLOWED_ENV_PREFIXES: tuple[str, ...] = ("FREERIDE_SECRET_",)
# FREERIDE_CONFIG names the settings file (config.paths): read before the settings, not one of them.
ALLOWED_ENV_NAMES: frozenset[str] = frozenset({"FREERIDE_CONFIG"})


def submodel(annotation: Any) -> type[BaseModel] | None:
    """The model class a field holds (``Foo`` or ``Foo | None``), or ``None`` for a leaf value."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        models = [m for m in (submodel(arg) for arg in get_args(annotation)) if m is not None]
        if len(models) == 1:
            return models[0]
    return None


def model_at(root: type[BaseModel], path: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class found at ``path`` under ``root`` (list indexes step into the item type)."""
    annotation: Any = root
    for part in path:
        if isinstance(part, int):
            args = get_args(annotation)
            annotation = args[0] if args else None
            continue
        model = submodel(annotation)
        if model is None or part not in model.model_fields:
            return None
        annotation = model.model_fields[part].annotation
    return submodel(annotation)


def is_allowed_extra(env_name: str) -> bool:
    """Whether a ``FREERIDE_`` variable is claimed by something other than the settings tree."""
    upper = env_name.upper()
    return upper in ALLOWED_ENV_NAMES or any(upper.startswith(prefix) for prefix in ALLOWED_ENV_PREFIXES)


def env_var_names(root: type[BaseModel], prefix: str = ENV_PREFIX) -> Iterator[tuple[str, str]]:
    """Every ``(dotted.key, FREERIDE_VAR)`` pair of the tree, models before their fields."""
    for name, field in root.model_fields.items():
        env = f"{prefix}{name.upper()}"
        yield name, env
        model = submodel(field.annotation)
        if model is not None:
            for dotted, child_env in env_var_names(model, f"{env}{ENV_NESTED_DELIMITER}"):
                yield f"{name}.{dotted}", child_env


def env_var_for(loc: tuple[str | int, ...], prefix: str = ENV_PREFIX) -> str:
    """The variable that sets ``loc``; inside a list that is the list's own variable (JSON)."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            break
        parts.append(part.upper())
    return prefix + ENV_NESTED_DELIMITER.join(parts)


def dotted(loc: tuple[str | int, ...]) -> str:
    """``('run', 'feeds', 0, 'symbol')`` → ``run.feeds[0].symbol``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
