"""The typer application every command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="freeride",
    help="One event-driven core for trading research and automation.",
    no_args_is_help=True,
    add_completion=False,
)
