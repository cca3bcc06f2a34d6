"""``freeride doctor``: print the checks as a table and exit non-zero when any failed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import typer
from rich.console import Console
from rich.table import Table

from freeride.config.doctor import DEFAULT_TIMEOUT, CheckResult, check_settings, run_checks
from freeride.config.settings import Settings
from freeride.ports.secrets import SecretStore

StoresFactory = Callable[[Settings], Mapping[str, SecretStore]]


def _no_adapter_stores(settings: Settings) -> Mapping[str, SecretStore]:
    return {}


def register(app: typer.Typer, *, stores: StoresFactory | None = None) -> None:
    """Add the ``doctor`` command to ``app``.

    ``stores`` builds the adapter-backed secret stores (by name, e.g. ``{"keyring": …}``) from
    the settings; the composition root passes them, since only it may pick adapters. Without it,
    a store named in the order but not given is reported as unavailable.
    """
    make_stores = stores if stores is not None else _no_adapter_stores

    @app.command("doctor")
    def doctor(
        timeout: float = typer.Option(DEFAULT_TIMEOUT, min=0.1, help="Seconds to wait for each connection."),
    ) -> None:
        """Check every setting and connection; say what is wrong and how to fix it."""
        console = Console()
        settings, problems = check_settings()
        if settings is None:
            console.print("[bold red]Settings are invalid:[/]")
            for result in problems:
                console.print(f"[red]✗[/] {result.name}: {result.message} — {result.fix}", highlight=False)
            raise typer.Exit(code=1)
        results = asyncio.run(run_checks(settings, extra_stores=make_stores(settings), timeout_s=timeout))
        console.print(_table(results))
        failed = [r for r in results if not r.ok]
        if failed:
            console.print(f"[bold red]{len(failed)} check(s) failed.[/]")
            raise typer.Exit(code=1)
        console.print("[bold green]All checks passed.[/]")


def _table(results: list[CheckResult]) -> Table:
    table = Table(show_header=True, header_style="bold")
    table.add_column("", no_wrap=True)
    table.add_column("check", no_wrap=True)
    # Fold, never cut: a variable name in a fix is useless with its end replaced by "…".
    table.add_column("result", overflow="fold")
    table.add_column("fix", overflow="fold")
    for result in results:
        if not result.ok:
            mark = "[red]✗[/]"
        elif result.warning:
            mark = "[yellow]![/]"
        else:
            mark = "[green]✓[/]"
        table.add_row(mark, result.name, result.message, result.fix)
    return table
