"""``freeride config init`` and ``freeride config show``: the settings file a person edits.

``init`` writes a commented starter ``freeride.toml`` (never over an existing one without
``--force``); ``show`` prints every setting in effect, secrets masked, with where it came from:
the command line, the environment, ``.env``, the settings file or the default.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from freeride.config.paths import CONFIG_ENV, config_file, init_target, user_config_file
from freeride.config.problems import InvalidSettings
from freeride.config.provenance import DEFAULT, Layer, layers, leaves, origin
from freeride.config.settings import Settings, load_settings
from freeride.config.starter import starter_text
from freeride.config.urls import mask_url

console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="The settings file: write a starter, show what is in effect.", no_args_is_help=True
    )
    app.add_typer(group, name="config")

    @group.command("init")
    def init(
        path: Annotated[
            Path | None,
            typer.Option(help=f"File to write (default: ${CONFIG_ENV}, else {user_config_file()})."),
        ] = None,
        force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    ) -> None:
        """Write a commented starter freeride.toml."""
        target = (path or init_target()).expanduser()
        if target.exists() and not force:
            err.print(f"[red]error:[/red] {target} exists; edit it, or pass --force to replace it")
            raise typer.Exit(1)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(starter_text(), encoding="utf-8")
        console.print(f"wrote {target}")
        shadow = config_file()
        if shadow is not None and shadow.resolve() != target.resolve():
            err.print(
                f"[yellow]note:[/yellow] {shadow} is read instead of it "
                f"(./freeride.toml comes first; FREERIDE_CONFIG chooses)"
            )
        else:
            console.print("edit it, then `freeride config show` prints the settings in effect")

    @group.command("show")
    def show(
        as_json: Annotated[
            bool, typer.Option("--json", help="One JSON object: setting → value, source.")
        ] = False,
    ) -> None:
        """Print every setting in effect, secrets masked, with where it came from."""
        try:
            settings = load_settings()
            found = layers(Settings)
        except InvalidSettings as exc:
            err.print(f"[red]configuration error[/red]\n{exc}")
            raise typer.Exit(2) from None
        rows = effective(settings, found)
        if as_json:
            print(json.dumps({key: {"value": value, "from": source} for key, value, source in rows}))
            return
        path = config_file()
        console.print(f"settings file: {path.resolve() if path else 'none (' + _searched() + ')'}")
        table = Table(show_edge=False)
        table.add_column("setting", no_wrap=True)
        table.add_column("value", overflow="fold")
        table.add_column("from", overflow="fold")
        for key, value, source in rows:
            shown = "" if value is None else value if isinstance(value, str) else json.dumps(value)
            table.add_row(key, shown, source if source != DEFAULT else "[dim]default[/dim]")
        console.print(table)


def effective(settings: Settings, found: list[Layer]) -> list[tuple[str, Any, str]]:
    """``(dotted setting, value as shown, where it came from)`` for every setting; secrets masked."""
    dumped = settings.model_dump(mode="json")
    rows: list[tuple[str, Any, str]] = []
    for loc in leaves(Settings):
        value: Any = dumped
        for part in loc:
            value = value[part]
        layer = origin(found, loc)
        rows.append(
            (".".join(map(str, loc)), _masked(value), DEFAULT if layer is None else layer.describe(loc))
        )
    return rows


def _masked(value: Any) -> Any:
    """URL passwords and tokens masked at any depth (``SecretStr`` values dump as stars already)."""
    if isinstance(value, str):
        return mask_url(value)
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    return value


def _searched() -> str:
    return f"looked for ./freeride.toml and {user_config_file()}; `freeride config init` writes one"
