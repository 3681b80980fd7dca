"""A submission's scope values can be target ids: submission_periods.period widens to 64 characters.

A targets file replaces the targets it names (by target_id), not the member's whole list, so the values
a targets submission covers are its target ids (up to 64 characters), kept where periods are kept.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Widen submission_periods.period from 16 to 64 characters."""
    with op.batch_alter_table("submission_periods") as batch:
        batch.alter_column("period", existing_type=sa.String(16), type_=sa.String(64), existing_nullable=False)


def downgrade() -> None:
    """Narrow it back (target ids longer than 16 characters must be gone first)."""
    with op.batch_alter_table("submission_periods") as batch:
        batch.alter_column("period", existing_type=sa.String(64), type_=sa.String(16), existing_nullable=False)
