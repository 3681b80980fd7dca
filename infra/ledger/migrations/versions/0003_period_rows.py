"""Per-period accounting: rows each submission contributes per period, and which newer file replaced them.

A newer file may cover only some of an older file's periods; the older stays live for the rest.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add n_rows and superseded_by to submission_periods."""
    with op.batch_alter_table("submission_periods") as batch:
        batch.add_column(sa.Column("n_rows", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("superseded_by", sa.String(128), nullable=True))


def downgrade() -> None:
    """Drop the per-period columns."""
    with op.batch_alter_table("submission_periods") as batch:
        batch.drop_column("superseded_by")
        batch.drop_column("n_rows")
