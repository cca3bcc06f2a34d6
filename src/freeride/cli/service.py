"""``freeride service install [--user]``: a systemd unit for the long-running service.

The unit runs this environment's own ``freeride`` (``live --serve`` unless ``--command`` says
otherwise) from the current folder, restarts it on failure, stops it with SIGTERM and sends its
output to the journal. The command prints how to enable it; it never runs ``systemctl`` itself.
"""

from __future__ import annotations

import getpass
import os
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from freeride.config.paths import config_dir
from freeride.ops.systemd import (
    DEFAULT_NAME,
    ENV_FILE_STARTER,
    UnitSpec,
    pinned_environment,
    render,
    unit_dir,
    write_private,
)

console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)
DEFAULT_COMMAND = "live --serve"


def freeride_executable() -> Path:
    """The ``freeride`` script beside this interpreter (the virtualenv's), by absolute path."""
    script = Path(sys.executable).absolute().with_name("freeride")
    if script.is_file():
        return script
    found = Path(sys.argv[0]).absolute()
    return found if found.name == "freeride" and found.is_file() else script


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Run freeride as a systemd service.", no_args_is_help=True)
    app.add_typer(group, name="service")

    @group.command("install")
    def install(
        user: Annotated[
            bool, typer.Option("--user", help="A per-user unit (systemctl --user); no root needed.")
        ] = False,
        command: Annotated[
            str, typer.Option(help="The freeride command the service runs.")
        ] = DEFAULT_COMMAND,
        name: Annotated[str, typer.Option(help="Unit name.")] = DEFAULT_NAME,
        workdir: Annotated[
            Path | None, typer.Option(help="Working directory (default: this folder).")
        ] = None,
        output: Annotated[
            Path | None, typer.Option(help="Write the unit here instead of systemd's unit folder.")
        ] = None,
        print_only: Annotated[
            bool, typer.Option("--print", help="Print the unit instead of writing it.")
        ] = False,
        force: Annotated[bool, typer.Option("--force", help="Replace an existing unit.")] = False,
    ) -> None:
        """Write a systemd unit for freeride and say how to enable it."""
        env_file = config_dir() / "freeride.env"
        try:
            spec = UnitSpec(
                argv=[str(freeride_executable()), *shlex.split(command)],
                working_dir=(workdir or Path.cwd()).expanduser().absolute(),
                env_file=env_file,
                user=user,
                run_as=None if user else os.environ.get("SUDO_USER") or getpass.getuser(),
                name=name,
                environment=pinned_environment(),
            )
        except ValueError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        text = render(spec)
        if print_only:
            print(text, end="")
            return
        target = output or unit_dir(user) / spec.filename
        if target.exists() and not force:
            err.print(f"[red]error:[/red] {target} exists; pass --force to replace it")
            raise typer.Exit(1)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except PermissionError:
            err.print(
                f"[red]error:[/red] cannot write {target} (permission denied). Use --user for a unit of "
                f"your own, or: freeride service install --print | sudo tee {target}"
            )
            raise typer.Exit(1) from None
        console.print(f"wrote {target}")
        if not env_file.exists():
            write_private(env_file, ENV_FILE_STARTER)
            console.print(f"wrote {env_file} (mode 600): the service's environment, for secrets")
        _next_steps(spec, output is not None)


def _next_steps(spec: UnitSpec, elsewhere: bool) -> None:
    ctl = "systemctl --user" if spec.user else "sudo systemctl"
    journal = f"journalctl --user -u {spec.name}" if spec.user else f"journalctl -u {spec.name}"
    if elsewhere:
        place = "~/.config/systemd/user/" if spec.user else "/etc/systemd/system/"
        console.print(f"copy it to {place}, then:")
    lines = [
        f"enable and start:  {ctl} daemon-reload && {ctl} enable --now {spec.name}",
        f"status:            {ctl} status {spec.name}",
        f"logs:              {journal} -f   (-p warning for warnings and errors only)",
        f"stop cleanly:      {ctl} stop {spec.name}   (SIGTERM)",
    ]
    if spec.user:
        lines.append("keep it running after you log out:  loginctl enable-linger $USER")
    for line in lines:
        console.print(f"  {line}")
