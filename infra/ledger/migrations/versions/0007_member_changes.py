"""Members' kind and region history (issue 26): the member_changes table.

Each row is one change of a registered member's kind or region (from → to) and the day it applies from; the
members table keeps the values in force today. `published_at` is set once a run has rebuilt the obligations
after the change, so a change alone is work for the next run. Rows are only added, so the kind and region on
any past day can be answered.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the member_changes table."""
    op.create_table(
        "member_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.String(64), sa.ForeignKey("members.member_id"), nullable=False),
        sa.Column("kind_from", sa.String(32), nullable=False),
        sa.Column("kind_to", sa.String(32), nullable=False),
        sa.Column("region_from", sa.String(10), nullable=False),
        sa.Column("region_to", sa.String(10), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_member_changes_member", "member_changes", ["member_id"])


def downgrade() -> None:
    """Drop the member_changes table (the members table keeps the latest kind and region)."""
    op.drop_index("ix_member_changes_member", table_name="member_changes")
    op.drop_table("member_changes")
