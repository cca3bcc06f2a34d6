"""``freeride doctor``: print the checks as a table and exit non-zero when any failed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from freeride.config.doctor import DEFAULT_TIMEOUT, CheckResult, check_settings, run_checks
from freeride.config.secrets import ChainedSecretStore, build_secret_store
from freeride.config.settings import Settings
from freeride.ports.secrets import SecretStore

StoresFactory = Callable[[Settings], Mapping[str, SecretStore]]
# The online probes (``app.doctor_online.online_checks``): settings, the secret chain, seconds each.
OnlineChecks = Callable[[Settings, ChainedSecretStore, float], Awaitable[list[CheckResult]]]
# The offline checks that read the shipped instruments and the stored rules (``app.doctor_local``).
LocalChecks = Callable[[Settings], Awaitable[list[CheckResult]]]


def _no_adapter_stores(settings: Settings) -> Mapping[str, SecretStore]:
    return {}


def register(
    app: typer.Typer,
    *,
    stores: StoresFactory | None = None,
    online: OnlineChecks | None = None,
    local: LocalChecks | None = None,
) -> None:
    """Add the ``doctor`` command to ``app``.

    ``stores`` builds the adapter-backed secret stores (by name, e.g. ``{"keyring": …}``) from
    the settings; the composition root passes them, since only it may pick adapters. Without it,
    a store named in the order but not given is reported as unavailable. ``online`` runs the
    ``--online`` probes, which talk to providers, the broker and Discord through real adapters:
    the composition root passes them for the same reason. ``local`` adds the offline checks of
    the settings' symbols and the stored alert rules' channels.
    """
    make_stores = stores if stores is not None else _no_adapter_stores

    @app.command("doctor")
    def doctor(
        timeout: float = typer.Option(DEFAULT_TIMEOUT, min=0.1, help="Seconds to wait for each connection."),
        probe: bool = typer.Option(
            False,
            "--online",
            help="Also make one read-only request to each provider, the broker and each Discord webhook.",
        ),
    ) -> None:
        """Check every setting and connection; say what is wrong and how to fix it."""
        console = Console()
        settings, problems = check_settings()
        if settings is None:
            console.print("[bold red]Settings are invalid:[/]")
            for result in problems:
                line = escape(f"{result.name}: {result.message} — {result.fix}")
                console.print(f"[red]✗[/] {line}", highlight=False)
            raise typer.Exit(code=1)
        results, offline = asyncio.run(
            _checks(settings, make_stores(settings), timeout, online, local, probe=probe)
        )
        console.print(_table(results, offline))
        failed = [r for r in results if not r.ok]
        if failed:
            console.print(f"[bold red]{len(failed)} check(s) failed.[/]")
            raise typer.Exit(code=1)
        console.print("[bold green]All checks passed.[/]")


async def _checks(
    settings: Settings,
    extra: Mapping[str, SecretStore],
    timeout_s: float,
    online: OnlineChecks | None,
    local: LocalChecks | None = None,
    *,
    probe: bool,
) -> tuple[list[CheckResult], int]:
    """The offline checks, then (with ``probe``) the online ones; and how many were offline.

    The probes come after the offline checks, not beside them: a refused key is worth reading
    only once the offline rows showed the key exists and the settings are sound.
    """
    results = await run_checks(settings, extra_stores=extra, timeout_s=timeout_s)
    if local is not None:
        results += await local(settings)
    offline = len(results)
    if not probe:
        return results, offline
    if online is None:
        missing = CheckResult(
            "online", False, "this command was built without the probes", "run `freeride doctor --online`"
        )
        return [*results, missing], offline
    store = build_secret_store(settings, extra, warn=False)
    return [*results, *await online(settings, store, timeout_s)], offline


def _table(results: list[CheckResult], offline: int | None = None) -> Table:
    """One row per result; a rule before the online probes (from index ``offline``) sets them apart."""
    table = Table(show_header=True, header_style="bold")
    table.add_column("", no_wrap=True)
    table.add_column("check", no_wrap=True)
    # Fold, never cut: a variable name in a fix is useless with its end replaced by "…".
    table.add_column("result", overflow="fold")
    table.add_column("fix", overflow="fold")
    for index, result in enumerate(results):
        if index == offline and index > 0:
            table.add_section()
        if not result.ok:
            mark = "[red]✗[/]"
        elif result.warning:
            mark = "[yellow]![/]"
        else:
            mark = "[green]✓[/]"
        table.add_row(mark, escape(result.name), escape(result.message), escape(result.fix))
    return table
