"""flatten requests

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 05:55:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flatten_requests",
        sa.Column("request_id", sa.String(), nullable=False),
        sa.Column("run_id", sa.String(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("requested_at", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("done_at", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_flatten_requests")),
    )
    with op.batch_alter_table("flatten_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_flatten_requests_state_requested_at"), ["state", "requested_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("flatten_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flatten_requests_state_requested_at"))
    op.drop_table("flatten_requests")
