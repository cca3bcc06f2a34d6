"""What ``freeride run`` and ``freeride live`` share when they serve the dashboard."""

from __future__ import annotations

import socket
import sys

from rich.console import Console

from freeride.config.settings import Settings

err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


def serving_settings(settings: Settings, port: int | None) -> Settings:
    """API on; the port asked for, else the configured one, else 8000 or any free one if taken."""
    api = settings.api
    if port is None:
        port = api.port
        if "port" not in api.model_fields_set and not _free(api.host, port):
            port = 0
    return settings.model_copy(update={"api": api.model_copy(update={"enabled": True, "port": port})})


def _free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def announce(url: str, token: str) -> None:
    """Print where the dashboard is and the run's one-time login token (stderr: stdout stays data)."""
    err_console.print(f"[bold]dashboard[/bold]   {url}", soft_wrap=True)
    err_console.print(
        f"[bold]login token[/bold] {token}  (admin; shown once, revoked when this run stops)", soft_wrap=True
    )
    err_console.print(f"[bold]sign in[/bold]     {url}login?token={token}", soft_wrap=True)
    err_console.print(
        "              (a login that outlasts this run: freeride api token create --name dashboard)",
        soft_wrap=True,
    )
    sys.stderr.flush()


def announce_and_hold(url: str, token: str) -> None:
    """``announce`` for a run that keeps serving after its feed."""
    announce(url, token)
    err_console.print("serving until Ctrl-C", soft_wrap=True)
    sys.stderr.flush()
