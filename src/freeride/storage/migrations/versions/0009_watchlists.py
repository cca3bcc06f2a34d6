"""watchlists

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 04:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "watchlist_symbols",
        sa.Column("list_name", sa.String(length=64), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("added_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("list_name", "symbol", name=op.f("pk_watchlist_symbols")),
    )


def downgrade() -> None:
    op.drop_table("watchlist_symbols")
