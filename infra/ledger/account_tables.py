"""The portal's ledger tables (migration 0008): users, invitations, login failures, API tokens, join applications.

Secrets are never stored: passwords as argon2 hashes, invitation and API tokens as SHA-256 of a random token.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from infra.ledger.tables import Base, UTCDateTime, in_values

ROLES = ("member", "secretariat")
APPLICATION_STATUSES = ("submitted", "approved", "returned")


class PortalUserRow(Base):
    """portal_users table: a person who logs in, a member's user or a secretariat user."""

    __tablename__ = "portal_users"
    __table_args__ = (
        sa.CheckConstraint(in_values("role", ROLES), name="ck_portal_users_role"),
        sa.CheckConstraint(
            "(role = 'member' AND member_id IS NOT NULL) OR (role = 'secretariat' AND member_id IS NULL)",
            name="ck_portal_users_role_member",
        ),
        sa.Index("ix_portal_users_member", "member_id"),
    )

    user_id: Mapped[str] = mapped_column(sa.String(48), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    member_id: Mapped[str | None] = mapped_column(sa.String(64), sa.ForeignKey("members.member_id"))
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    password_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InvitationRow(Base):
    """portal_invitations table: a one-time link to set a user's password (the token's SHA-256 only)."""

    __tablename__ = "portal_invitations"

    invitation_id: Mapped[str] = mapped_column(sa.String(48), primary_key=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[str] = mapped_column(sa.String(48), sa.ForeignKey("portal_users.user_id"))
    created_by: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginFailureRow(Base):
    """portal_login_failures table: failed logins per e-mail address and the lock they led to."""

    __tablename__ = "portal_login_failures"

    email: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    n_failures: Mapped[int] = mapped_column(sa.Integer())
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiTokenRow(Base):
    """portal_api_tokens table: a member's system's token (its SHA-256 only), revocable."""

    __tablename__ = "portal_api_tokens"
    __table_args__ = (sa.Index("ix_portal_api_tokens_member", "member_id"),)

    token_id: Mapped[str] = mapped_column(sa.String(48), primary_key=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[str] = mapped_column(sa.String(48), sa.ForeignKey("portal_users.user_id"))
    member_id: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("members.member_id"))
    name: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class JoinApplicationRow(Base):
    """join_applications table: an organisation's application to join the partnership and its decision."""

    __tablename__ = "join_applications"
    __table_args__ = (
        sa.CheckConstraint(in_values("status", APPLICATION_STATUSES), name="ck_join_applications_status"),
        sa.Index("ix_join_applications_status", "status"),
    )

    application_id: Mapped[str] = mapped_column(sa.String(48), primary_key=True)
    organisation_name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(32))
    region: Mapped[str] = mapped_column(sa.String(10))
    contact_name: Mapped[str] = mapped_column(sa.String(200))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    commitments_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str | None] = mapped_column(sa.Text())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(sa.String(254))
    member_id: Mapped[str | None] = mapped_column(sa.String(64), sa.ForeignKey("members.member_id"))
