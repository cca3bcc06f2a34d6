"""Checks a command line against the real CLI: parsed and validated by click, never invoked.

``freeride`` is a typer app, so its command tree (typer's own copy of click) is at hand; ``dask`` is
a click group whose
``scheduler`` and ``worker`` commands come from ``distributed``'s entry points. Each word of a
deployment file's command goes through the same parser the program would use, so an unknown
command, option or choice, a missing required option or a bad value fails here as it would in
the container.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import click
import pytest
import typer
from typer._click.exceptions import UsageError as TyperUsageError

from freeride.cli.main import app

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
# the documented worker roles (docs/scaling.md): every deployment file runs each of them
ROLES = ("gateway", "alerts", "strategies", "execution", "recorder", "notifier", "research", "bot", "api")


# what either parser raises for a command line it refuses
USAGE_ERRORS = (click.UsageError, TyperUsageError)


def freeride_cli() -> Any:
    return typer.main.get_command(app)


def dask_cli() -> click.Group:
    dask_cli_module = pytest.importorskip("dask.cli", reason="Dask is the optional dask extra")
    group: click.Group = dask_cli_module.cli
    for entry in metadata.entry_points(group="dask_cli"):
        if entry.name not in group.commands:
            dask_cli_module._register_command_ep(group, entry)
    return group


def check_worker_command() -> None:
    """The worker command, and its roles being the ones every deployment file runs."""
    from freeride.app.worker_roles import ROLES as WORKER_ROLES

    assert "worker" in freeride_cli().commands
    assert tuple(WORKER_ROLES) == ROLES, "a role was added or renamed: give it a service in deploy/"


def parse(group: Any, argv: Sequence[str]) -> list[str]:
    """Parse ``argv`` down the command tree; the names of the commands it reached (a group is
    anything with ``resolve_command``: click's and typer's alike)."""
    reached: list[str] = []
    command = group
    args = list(argv)
    parent = None
    name = group.name or "cli"
    while True:
        context = command.make_context(name, args, parent=parent)
        if not hasattr(command, "resolve_command"):
            return reached
        rest = [*context._protected_args, *context.args]
        assert rest, f"{' '.join(argv)!r} stops at the group {name!r}"
        sub_name, sub, rest = command.resolve_command(context, rest)
        assert sub is not None
        assert sub_name is not None
        reached.append(sub_name)
        command, args, parent, name = sub, rest, context, sub_name
