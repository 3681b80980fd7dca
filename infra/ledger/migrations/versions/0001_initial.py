"""Initial ledger: members, submissions, submission_periods, runs.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

# Frozen here on purpose: a migration describes the schema as it was at this revision.
STATUSES = ("received", "valid", "partially_valid", "rejected", "published", "superseded")
SOURCES = ("inbox", "http", "sql")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    """Create the ledger tables."""
    op.create_table(
        "members",
        sa.Column("member_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("region", sa.String(10), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("submission_id", sa.String(128), primary_key=True),
        sa.Column("member_id", sa.String(64), sa.ForeignKey("members.member_id"), nullable=False),
        sa.Column("dataset", sa.String(32), nullable=False),
        sa.Column("key", sa.String(1024), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("n_read", sa.Integer(), nullable=True),
        sa.Column("n_accepted", sa.Integer(), nullable=True),
        sa.Column("n_quarantined", sa.Integer(), nullable=True),
        sa.Column("n_warnings", sa.Integer(), nullable=True),
        sa.Column("report_key", sa.String(1024), nullable=True),
        sa.Column("superseded_by", sa.String(128), sa.ForeignKey("submissions.submission_id"), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.UniqueConstraint("member_id", "dataset", "sha256", name="uq_submissions_member_dataset_sha256"),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_submissions_status"),
        sa.CheckConstraint(_in("source", SOURCES), name="ck_submissions_source"),
    )
    op.create_index("ix_submissions_status_received_at", "submissions", ["status", "received_at"])
    op.create_index("ix_submissions_member_dataset", "submissions", ["member_id", "dataset"])
    op.create_table(
        "submission_periods",
        sa.Column(
            "submission_id",
            sa.String(128),
            sa.ForeignKey("submissions.submission_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("period", sa.String(16), primary_key=True),
    )
    op.create_index("ix_submission_periods_period", "submission_periods", ["period"])
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
    )


def downgrade() -> None:
    """Drop the ledger tables."""
    op.drop_table("runs")
    op.drop_index("ix_submission_periods_period", table_name="submission_periods")
    op.drop_table("submission_periods")
    op.drop_index("ix_submissions_member_dataset", table_name="submissions")
    op.drop_index("ix_submissions_status_received_at", table_name="submissions")
    op.drop_table("submissions")
    op.drop_table("members")
