"""The ``freeride`` command: one typer app, each command group in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="freeride",
    help="One event-driven core for trading research and automation.",
    no_args_is_help=True,
    add_completion=False,
)


def main() -> None:
    from freeride.cli import run as _run  # noqa: F401  (registers its commands on ``app``)

    app()
