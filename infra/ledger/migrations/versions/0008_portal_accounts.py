"""The portal's accounts (issue 29): users, invitations, login failures, API tokens and joining applications.

- `portal_users`: one row per person; a member's user names its member, a secretariat user has none. The password
  is kept only as an argon2 hash (null until the invitation is accepted); `disabled_at` ends every session.
- `portal_invitations`: one-time links; only the SHA-256 of the token is kept, with its expiry and `used_at`.
- `portal_login_failures`: failed logins per e-mail address (known or not, so a lock says nothing about who has
  an account), the lock's end.
- `portal_api_tokens`: members' systems' tokens, kept as SHA-256 only, with name, last use and `revoked_at`.
- `join_applications`: an organisation's application to join (参画申請書): contact, the commitments of its kind
  accepted at, status submitted → approved | returned, the secretariat's note and the member it became.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the portal's tables."""
    op.create_table(
        "portal_users",
        sa.Column("user_id", sa.String(48), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("member_id", sa.String(64), sa.ForeignKey("members.member_id"), nullable=True),
        sa.Column("password_hash", sa.String(256), nullable=True),
        sa.Column("password_set_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('member', 'secretariat')", name="ck_portal_users_role"),
        sa.CheckConstraint(
            "(role = 'member' AND member_id IS NOT NULL) OR (role = 'secretariat' AND member_id IS NULL)",
            name="ck_portal_users_role_member",
        ),
    )
    op.create_index("ix_portal_users_member", "portal_users", ["member_id"])
    op.create_table(
        "portal_invitations",
        sa.Column("invitation_id", sa.String(48), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.String(48), sa.ForeignKey("portal_users.user_id"), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "portal_login_failures",
        sa.Column("email", sa.String(254), primary_key=True),
        sa.Column("n_failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "portal_api_tokens",
        sa.Column("token_id", sa.String(48), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.String(48), sa.ForeignKey("portal_users.user_id"), nullable=False),
        sa.Column("member_id", sa.String(64), sa.ForeignKey("members.member_id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_portal_api_tokens_member", "portal_api_tokens", ["member_id"])
    op.create_table(
        "join_applications",
        sa.Column("application_id", sa.String(48), primary_key=True),
        sa.Column("organisation_name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("region", sa.String(10), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("contact_email", sa.String(254), nullable=False),
        sa.Column("commitments_accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(254), nullable=True),
        sa.Column("member_id", sa.String(64), sa.ForeignKey("members.member_id"), nullable=True),
        sa.CheckConstraint("status IN ('submitted', 'approved', 'returned')", name="ck_join_applications_status"),
    )
    op.create_index("ix_join_applications_status", "join_applications", ["status"])


def downgrade() -> None:
    """Drop the portal's tables."""
    op.drop_index("ix_join_applications_status", table_name="join_applications")
    op.drop_table("join_applications")
    op.drop_index("ix_portal_api_tokens_member", table_name="portal_api_tokens")
    op.drop_table("portal_api_tokens")
    op.drop_table("portal_login_failures")
    op.drop_table("portal_invitations")
    op.drop_index("ix_portal_users_member", table_name="portal_users")
    op.drop_table("portal_users")
