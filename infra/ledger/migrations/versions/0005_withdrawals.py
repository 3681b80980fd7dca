"""A member can withdraw a file: the submission statuses gain `withdrawing` and `withdrawn`.

A file deleted from the inbox, or named to `junkan withdraw`, is `withdrawing` until the periods it covered
are republished without it, then `withdrawn`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

BEFORE = ("received", "valid", "partially_valid", "rejected", "published", "superseded")
AFTER = (*BEFORE, "withdrawing", "withdrawn")


def _in(values: tuple[str, ...]) -> str:
    return f"status IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    """Allow the two withdrawal statuses."""
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("ck_submissions_status", type_="check")
        batch.create_check_constraint("ck_submissions_status", _in(AFTER))


def downgrade() -> None:
    """Withdrawn files must be gone (or set back) first."""
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("ck_submissions_status", type_="check")
        batch.create_check_constraint("ck_submissions_status", _in(BEFORE))
