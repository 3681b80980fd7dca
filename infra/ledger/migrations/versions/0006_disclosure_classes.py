"""Members' disclosure classes (issue 23): the member_disclosures history table.

Each row is one class a member chose for a dataset (`flows` or `progress`) and the day it applies from; a
member without a row has the default of its kind. Rows are only added, so any past day can be answered.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

# Frozen here on purpose: a migration describes the schema as it was at this revision.
DATASETS = ("flows", "progress")
CLASSES = ("confidential", "public")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    """Create the member_disclosures table."""
    op.create_table(
        "member_disclosures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.String(64), sa.ForeignKey("members.member_id"), nullable=False),
        sa.Column("dataset", sa.String(32), nullable=False),
        sa.Column("disclosure_class", sa.String(16), nullable=False),
        sa.Column("consented_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("dataset", DATASETS), name="ck_member_disclosures_dataset"),
        sa.CheckConstraint(_in("disclosure_class", CLASSES), name="ck_member_disclosures_class"),
    )
    op.create_index("ix_member_disclosures_member_dataset", "member_disclosures", ["member_id", "dataset"])


def downgrade() -> None:
    """Drop the member_disclosures table (every member is back to the default of its kind)."""
    op.drop_index("ix_member_disclosures_member_dataset", table_name="member_disclosures")
    op.drop_table("member_disclosures")
