"""Members' own systems to pull from: the sources table (names of Secret blocks, never credentials).

Revision ID: 0002
Revises: 0001
Create Date: 2025-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

# Frozen here on purpose: a migration describes the schema as it was at this revision.
KINDS = ("http", "sql")


def upgrade() -> None:
    """Create the sources table."""
    op.create_table(
        "sources",
        sa.Column("source_id", sa.String(32), primary_key=True),
        sa.Column("member_id", sa.String(64), sa.ForeignKey("members.member_id"), nullable=False),
        sa.Column("dataset", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("url", sa.String(2000), nullable=True),
        sa.Column("secret_block", sa.String(100), nullable=True),
        sa.Column("table_name", sa.String(128), nullable=True),
        sa.Column("schema_name", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"kind IN ({', '.join(repr(kind) for kind in KINDS)})", name="ck_sources_kind"),
        sa.CheckConstraint(
            "(kind = 'http' AND url IS NOT NULL AND table_name IS NULL) OR "
            "(kind = 'sql' AND url IS NULL AND secret_block IS NOT NULL AND table_name IS NOT NULL)",
            name="ck_sources_kind_fields",
        ),
    )
    op.create_index("ix_sources_member_dataset", "sources", ["member_id", "dataset"])


def downgrade() -> None:
    """Drop the sources table."""
    op.drop_index("ix_sources_member_dataset", table_name="sources")
    op.drop_table("sources")
