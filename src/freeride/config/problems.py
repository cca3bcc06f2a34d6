"""Turning validation failures into one line per problem: where, what is wrong, how to fix it.

pydantic's own report is written for developers (``Input should be greater than 0
[type=greater_than, input_value=-1]``), prints the offending value (which may be a password) and
does not say which environment variable to change. Operators get this instead:

    run.speed / FREERIDE_RUN__SPEED: speed must be ≥ 0, got -1 — set 0 (as fast as possible) or …
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from freeride.config.schema import ENV_PREFIX, dotted, env_var_for, env_var_names, model_at
from freeride.core.errors import ConfigError

PROBLEM_TYPE = "freeride_setting"
DOCS_HINT = "see docs/configuration.md"


@dataclass(frozen=True, slots=True)
class SettingProblem:
    """One wrong setting; ``line`` is how it is shown to the operator.

    ``file`` names the settings file (``freeride.toml``) the value came from, when it came from one:
    the person fixes it there, not in the environment.
    """

    setting: str
    env_var: str
    what: str
    fix: str
    file: str = ""
    loc: tuple[str | int, ...] = field(default=(), compare=False, repr=False)

    @property
    def where(self) -> str:
        if self.file:
            return f"{self.file}: {self.setting}" if self.setting else self.file
        if not self.setting:
            return self.env_var
        return f"{self.setting} / {self.env_var}"

    @property
    def line(self) -> str:
        return f"{self.where}: {self.what} — {self.fix}"


class InvalidSettings(ConfigError):
    """The settings could not be loaded; the message has one line per problem."""

    def __init__(self, problems: Iterable[SettingProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(p.line for p in self.problems))

    @property
    def lines(self) -> list[str]:
        return [p.line for p in self.problems]


class UnknownVariable:
    """Stands in for the value of an unrecognised ``FREERIDE_`` variable.

    The real value is never handed to pydantic, so it cannot appear in any error report, and the
    formatter can tell the variable apart from an unknown key passed in code.
    """

    __slots__ = ("name", "origin")

    def __init__(self, name: str, origin: str) -> None:
        self.name = name
        self.origin = origin

    def __repr__(self) -> str:
        return f"<{self.name} from {self.origin}>"


def problem(what: str, fix: str, at: str | None = None) -> PydanticCustomError:
    """A validation error that carries its own fix; ``at`` points below the validated model.

    Model-level validators (say, the one comparing ``fast`` with ``slow``) are reported at the
    model itself; ``at="fast"`` attaches the problem to the field the operator should change.
    """
    context: dict[str, Any] = {"what": what, "fix": fix}
    if at is not None:
        context["at"] = at
    return PydanticCustomError(PROBLEM_TYPE, "{what} — {fix}", context)


FileOf = Callable[[tuple[str | int, ...]], str]


def problems_from(
    exc: ValidationError, root: type[BaseModel], file_of: FileOf | None = None
) -> list[SettingProblem]:
    """One ``SettingProblem`` per pydantic error, in the order pydantic found them.

    ``file_of`` names the settings file a value at a location came from (``""`` when it came from
    the environment, ``.env``, code or a default), so the problem points where to fix it.
    """
    found = [_one(error, root) for error in exc.errors(include_url=False)]
    if file_of is None:
        return found
    return [replace(p, file=file_of(p.loc)) if p.setting else p for p in found]


def _one(error: Any, root: type[BaseModel]) -> SettingProblem:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    ctx: dict[str, Any] = error.get("ctx") or {}
    kind: str = error["type"]
    if kind == PROBLEM_TYPE:
        if "at" in ctx:
            loc = loc + tuple(str(ctx["at"]).split("."))
        return SettingProblem(dotted(loc), env_var_for(loc), str(ctx["what"]), str(ctx["fix"]), loc=loc)
    value = error.get("input")
    if kind == "extra_forbidden" and isinstance(value, UnknownVariable):
        return SettingProblem(
            "", value.name, f"unknown variable (from {value.origin})", _suggest_var(value.name, root)
        )
    what, fix = _describe(kind, str(error["msg"]), ctx, value, loc, root)
    return SettingProblem(dotted(loc), env_var_for(loc), what, fix, loc=loc)


def _describe(
    kind: str, msg: str, ctx: dict[str, Any], value: Any, loc: tuple[str | int, ...], root: type[BaseModel]
) -> tuple[str, str]:
    """(what is wrong, how to fix it) for pydantic's built-in error types."""
    if kind == "extra_forbidden":
        parent = model_at(root, loc[:-1])
        valid = ", ".join(parent.model_fields) if parent is not None else ""
        return "unknown setting", f"remove it or use one of: {valid}" if valid else "remove it"
    if kind in ("literal_error", "enum"):
        shown = f"{value!r} is not allowed" if isinstance(value, str) and len(value) <= 40 else "not allowed"
        return shown, f"use one of {ctx.get('expected', '')}".rstrip()
    if kind == "missing":
        return "is required", f"set it ({DOCS_HINT})"
    if kind in ("list_type", "json_invalid", "json_type"):
        return msg.lower(), f"give a JSON list or object ({DOCS_HINT})"
    if kind.startswith(("greater_than", "less_than")):
        return msg.replace("Input should be", "must be"), "change the value accordingly"
    return msg.replace("Input should be", "must be"), DOCS_HINT


def _suggest_var(name: str, root: type[BaseModel]) -> str:
    # Compare without the shared prefix, or every name looks alike.
    known = [env.removeprefix(ENV_PREFIX) for _, env in env_var_names(root)]
    close = difflib.get_close_matches(name.upper().removeprefix(ENV_PREFIX), known, n=1, cutoff=0.7)
    if close:
        return f"remove it or rename it (did you mean {ENV_PREFIX}{close[0]}?)"
    return f"remove it or rename it to a known setting ({DOCS_HINT})"
