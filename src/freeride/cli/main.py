"""The ``freeride`` command: one typer app, each command group in its own module."""

from __future__ import annotations

import typer

from freeride.app.doctor_local import local_checks
from freeride.app.doctor_online import online_checks
from freeride.app.secrets import extra_secret_stores
from freeride.cli import run as _run  # registers ``freeride run`` on the app
from freeride.cli.alerts import register as register_alerts
from freeride.cli.anomalies import register as register_anomalies
from freeride.cli.api_tokens import register as register_api_tokens
from freeride.cli.app import app
from freeride.cli.audit import register as register_audit
from freeride.cli.backtest import register as register_backtest
from freeride.cli.bot import register as register_bot
from freeride.cli.broker import register as register_broker
from freeride.cli.config import register as register_config
from freeride.cli.dlq import register as register_dlq
from freeride.cli.doctor import register as register_doctor
from freeride.cli.events import register as register_events
from freeride.cli.flatten import register as register_flatten
from freeride.cli.live import register as register_live
from freeride.cli.market import register as register_market
from freeride.cli.notify import register as register_notify
from freeride.cli.orders import register as register_orders
from freeride.cli.research import register as register_research
from freeride.cli.service import register as register_service
from freeride.cli.watch import register as register_watch
from freeride.cli.worker import register as register_worker
from freeride.core.errors import DatabaseUnavailable

register_doctor(app, stores=extra_secret_stores, online=online_checks, local=local_checks)
register_market(app)
register_backtest(app)
register_alerts(app)
register_watch(app)
register_notify(app)
register_api_tokens(app)
register_orders(app)
register_flatten(app)
register_broker(app)
register_live(app)
register_config(app)
register_service(app)
register_events(app)
register_research(app)
register_anomalies(app)
register_audit(app)
register_bot(app)
register_dlq(app)
register_worker(app)

__all__ = ["_run", "app", "main"]


def main() -> None:
    try:
        app()
    except DatabaseUnavailable as exc:  # any command: one line naming the database, exit 2
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
