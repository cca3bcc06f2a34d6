"""Alembic environment for freeride's schema (``freeride.storage.tables.metadata``).

Two ways in: ``freeride.storage.migrate`` hands over an open connection in
``config.attributes["connection"]`` (the application migrates on start, inside its own async
engine); the ``alembic`` command line gives a URL (``-x url=...`` or ``sqlalchemy.url``) and this
module builds an async engine for it.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from sqlalchemy.engine import Connection

from freeride.storage.engine import create_engine
from freeride.storage.tables import ExactDecimal, metadata


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render ``ExactDecimal`` as plain SQLAlchemy types, so revisions never import app code."""
    if type_ == "type" and isinstance(obj, ExactDecimal):
        return 'sa.Numeric().with_variant(sa.Text(), "sqlite")'
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=metadata,
        render_item=_render_item,
        render_as_batch=True,  # SQLite alters tables by copy; batch mode does that for us
        compare_type=True,
        **kwargs,
    )


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError("no database URL: pass -x url=... or set sqlalchemy.url")
    return url


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run)
            await conn.commit()
    finally:
        await engine.dispose()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    elif context.is_offline_mode():
        _configure(url=_url(), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(_run_async(_url()))


main()
