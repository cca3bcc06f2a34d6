"""``freeride.toml`` as a settings source, strict about keys and naming the file in every problem.

pydantic-settings reads TOML for us; what it does not do is say *which file* an unknown key or a
syntax error came from. A person edits this file by hand, so a typo (``[providers] enabeld``) is
reported with the file, the dotted key and the nearest valid name, before anything runs.
"""

from __future__ import annotations

import difflib
import tomllib
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_settings import BaseSettings, TomlConfigSettingsSource

from freeride.config.problems import InvalidSettings, SettingProblem
from freeride.config.schema import dotted, env_var_for

_FIX_SYNTAX = "fix the TOML syntax (https://toml.io); `freeride config init --force` writes a fresh starter"


class StrictTomlSource(TomlConfigSettingsSource):
    """The settings in ``path`` (nothing when ``path`` is ``None``); unknown keys are refused."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        self.path = path
        if path is not None and not path.is_file():
            raise InvalidSettings([_file_problem(path, "does not exist", _missing_fix(path))])
        super().__init__(settings_cls, toml_file=path)
        if path is not None:
            unknown = list(unknown_keys(self.toml_data, settings_cls))
            if unknown:
                raise InvalidSettings([_unknown_problem(path, loc, valid) for loc, valid in unknown])

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        try:
            return super()._read_file(file_path)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidSettings([_file_problem(Path(str(file_path)), str(exc), _FIX_SYNTAX)]) from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            path = Path(str(file_path))
            raise InvalidSettings(
                [_file_problem(path, f"cannot be read: {reason}", f"chmod u+r {path}")]
            ) from None

    @property
    def data(self) -> dict[str, Any]:
        return dict(self.toml_data)


def _file_problem(path: Path, what: str, fix: str) -> SettingProblem:
    return SettingProblem("", str(path), what, fix)


def _missing_fix(path: Path) -> str:
    return f"create it (freeride config init writes a starter there) or unset FREERIDE_CONFIG ({path})"


def _unknown_problem(path: Path, loc: tuple[str | int, ...], valid: list[str]) -> SettingProblem:
    key = str(loc[-1])
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"valid keys here: {', '.join(valid)}"
    return SettingProblem(
        dotted(loc), env_var_for(loc), "unknown key", f"remove it or rename it ({hint})", str(path)
    )


def unknown_keys(
    data: Any, annotation: Any, loc: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], list[str]]]:
    """Every key in ``data`` that ``annotation`` (a model, list, dict or leaf) has no place for."""
    model = _model(annotation)
    found: list[tuple[tuple[str | int, ...], list[str]]] = []
    if model is not None:
        if not isinstance(data, dict):
            return found  # a wrong type is the validator's to report
        fields = model.model_fields
        for key, value in data.items():
            if key not in fields:
                found.append(((*loc, key), list(fields)))
            else:
                found.extend(unknown_keys(value, fields[key].annotation, (*loc, key)))
        return found
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (list, tuple) and args and isinstance(data, list):
        for index, item in enumerate(data):
            found.extend(unknown_keys(item, args[0], (*loc, index)))
    elif origin is dict and len(args) == 2 and isinstance(data, dict):
        for key, value in data.items():
            found.extend(unknown_keys(value, args[1], (*loc, key)))
    return found


def _model(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds (``Foo``, ``Foo | None``, ``Annotated[Foo, …]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        models = [m for m in (_model(a) for a in get_args(annotation)) if m is not None]
        return models[0] if len(models) == 1 else None
    if origin is Annotated:
        return _model(get_args(annotation)[0])
    return None
