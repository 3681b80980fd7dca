"""The portal's part of the ledger: users, invitations, login failures and API tokens.

Rows in, frozen records out, as the rest of the ledger. The policy (hashing, expiry, locks) is the portal's
(`infra.portal.accounts`); this module only stores and finds, and never sees a secret: only hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from infra.ledger.account_tables import (
    ROLES,
    ApiTokenRow,
    InvitationRow,
    LoginFailureRow,
    PortalUserRow,
)
from infra.ledger.session import SessionScope, new_id, now
from infra.ledger.tables import UTCDateTime


@dataclass(frozen=True)
class PortalUser:
    """A person who logs in to the portal: a member's user (`member_id`) or a secretariat user (none)."""

    user_id: str
    email: str
    role: str
    member_id: str | None
    created_at: datetime
    password_hash: str | None = None
    password_set_at: datetime | None = None
    disabled_at: datetime | None = None

    @property
    def is_secretariat(self) -> bool:
        """Whether the user works for the secretariat."""
        return self.role == "secretariat"

    def __repr__(self) -> str:  # the hash stays out of logs and tracebacks
        return f"PortalUser({self.user_id!r}, {self.email!r}, role={self.role!r}, member_id={self.member_id!r})"


@dataclass(frozen=True)
class Invitation:
    """A one-time link to set a user's password; the ledger knows only the token's SHA-256."""

    invitation_id: str
    user_id: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True)
class LoginFailures:
    """Failed logins of one e-mail address since its last success, and the lock they led to."""

    email: str
    n_failures: int
    last_failed_at: datetime
    locked_until: datetime | None = None


@dataclass(frozen=True)
class ApiToken:
    """A member's system's API token, as listed (never the token itself)."""

    token_id: str
    user_id: str
    member_id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


def normalize_email(email: str) -> str:
    """E-mail addresses compare without case or surrounding blanks.

    Examples:
        >>> normalize_email("  Officer@City.Example.JP ")
        'officer@city.example.jp'

    """
    return email.strip().lower()


class AccountLedger(SessionScope):
    """The portal's accounts in the ledger (`infra.ledger.Ledger` mixes it in)."""

    # users -----------------------------------------------------------------------------------

    def add_user(self, email: str, *, role: str, member_id: str | None) -> PortalUser:
        """Register a user (no password yet); ValueError when the address already has an account."""
        if role not in ROLES:
            msg = f"role {role!r} must be one of {', '.join(ROLES)}"
            raise ValueError(msg)
        email = normalize_email(email)
        at = now()
        with self._session() as session:
            if session.scalar(sa.select(PortalUserRow).where(PortalUserRow.email == email)) is not None:
                msg = f"{email} already has a portal account"
                raise ValueError(msg)
            row = PortalUserRow(user_id=new_id("u-", at), email=email, role=role, member_id=member_id, created_at=at)
            session.add(row)
            return _user(row)

    def get_user(self, user_id: str) -> PortalUser | None:
        """A user by id."""
        with self._session() as session:
            row = session.get(PortalUserRow, user_id)
            return None if row is None else _user(row)

    def user_by_email(self, email: str) -> PortalUser | None:
        """A user by e-mail address (any case)."""
        with self._session() as session:
            row = session.scalar(sa.select(PortalUserRow).where(PortalUserRow.email == normalize_email(email)))
            return None if row is None else _user(row)

    def users(self, *, member_id: str | None = None) -> list[PortalUser]:
        """Every user, or a member's, by e-mail address."""
        query = sa.select(PortalUserRow).order_by(PortalUserRow.email)
        if member_id is not None:
            query = query.where(PortalUserRow.member_id == member_id)
        with self._session() as session:
            return [_user(row) for row in session.scalars(query)]

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Store a user's new password hash (sessions issued before it end)."""
        with self._session() as session:
            row = session.get(PortalUserRow, user_id)
            if row is None:
                msg = f"no portal user {user_id!r}"
                raise ValueError(msg)
            row.password_hash = password_hash
            row.password_set_at = now()

    def disable_user(self, user_id: str) -> bool:
        """Disable a user (its sessions and tokens stop working); False when it was already disabled."""
        with self._session() as session:
            row = session.get(PortalUserRow, user_id)
            if row is None or row.disabled_at is not None:
                return False
            row.disabled_at = now()
            return True

    # invitations ---------------------------------------------------------------------------------

    def add_invitation(self, user_id: str, *, token_sha256: str, created_by: str, expires_at: datetime) -> Invitation:
        """Record an invitation by its token's hash."""
        at = now()
        with self._session() as session:
            row = InvitationRow(
                invitation_id=new_id("inv-", at),
                token_sha256=token_sha256,
                user_id=user_id,
                created_by=created_by,
                created_at=at,
                expires_at=expires_at,
            )
            session.add(row)
            return _invitation(row)

    def invitation_by_token(self, token_sha256: str) -> Invitation | None:
        """The invitation whose token hashes to this."""
        with self._session() as session:
            row = session.scalar(sa.select(InvitationRow).where(InvitationRow.token_sha256 == token_sha256))
            return None if row is None else _invitation(row)

    def use_invitation(self, invitation_id: str) -> bool:
        """Mark an invitation used; False when it already was (two tabs racing: only one wins)."""
        with self._session() as session:
            result = session.execute(
                sa.update(InvitationRow)
                .where(InvitationRow.invitation_id == invitation_id, InvitationRow.used_at.is_(None))
                .values(used_at=now())
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def pending_invitations(self, user_ids: Sequence[str]) -> list[Invitation]:
        """Invitations of these users not yet used and not expired (revoked ones expire), newest first."""
        query = (
            sa.select(InvitationRow)
            .where(
                InvitationRow.user_id.in_(list(user_ids)),
                InvitationRow.used_at.is_(None),
                InvitationRow.expires_at > now(),
            )
            .order_by(InvitationRow.created_at.desc())
        )
        with self._session() as session:
            return [_invitation(row) for row in session.scalars(query)]

    def revoke_invitation(self, invitation_id: str, *, user_ids: Sequence[str]) -> bool:
        """End a pending invitation of one of these users now (it reads as expired); False when none was pending.

        Revoking is expiring early: the link then says what an expired one says, and no migration is needed.
        """
        at = now()
        with self._session() as session:
            result = session.execute(
                sa.update(InvitationRow)
                .where(
                    InvitationRow.invitation_id == invitation_id,
                    InvitationRow.user_id.in_(list(user_ids)),
                    InvitationRow.used_at.is_(None),
                    InvitationRow.expires_at > at,
                )
                .values(expires_at=at)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # login failures ------------------------------------------------------------------------------

    def login_failures(self, email: str) -> LoginFailures | None:
        """The failed logins of an address since its last success."""
        with self._session() as session:
            row = session.get(LoginFailureRow, normalize_email(email))
            return None if row is None else _failures(row)

    def record_login_failure(self, email: str, *, at: datetime, lock_after: int, lock_for: timedelta) -> LoginFailures:
        """Count one more failed login of an address, locking it for `lock_for` from the `lock_after`-th in a row.

        One statement (an upsert that adds 1 where the row is): failures arriving together each count, and the one
        that reaches `lock_after` locks, however many password checks ran at once. Read, add and write lost counts
        under parallel guessing, so a script could keep an address below the lock for ever.
        """
        email = normalize_email(email)
        count = LoginFailureRow.n_failures + 1
        lock = sa.literal(at + lock_for, UTCDateTime())
        with self._session() as session:
            insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
            statement = (
                insert(LoginFailureRow)
                .values(email=email, n_failures=1, last_failed_at=at, locked_until=lock if lock_after <= 1 else None)
                .on_conflict_do_update(
                    index_elements=[LoginFailureRow.email],
                    set_={
                        "n_failures": count,
                        "last_failed_at": at,
                        "locked_until": sa.case((count >= lock_after, lock)),
                    },
                )
            )
            session.execute(statement)
            row = session.get(LoginFailureRow, email, populate_existing=True)
            assert row is not None  # noqa: S101 - just written
            return _failures(row)

    def clear_login_failures(self, email: str) -> None:
        """Forget an address's failed logins (after a successful one, or a new password)."""
        with self._session() as session:
            session.execute(sa.delete(LoginFailureRow).where(LoginFailureRow.email == normalize_email(email)))

    # API tokens ----------------------------------------------------------------------------------

    def add_api_token(self, *, user_id: str, member_id: str, name: str, token_sha256: str) -> ApiToken:
        """Record an API token by its hash."""
        at = now()
        with self._session() as session:
            row = ApiTokenRow(
                token_id=new_id("tok-", at),
                token_sha256=token_sha256,
                user_id=user_id,
                member_id=member_id,
                name=name,
                created_at=at,
            )
            session.add(row)
            return _token(row)

    def api_token_by_hash(self, token_sha256: str) -> ApiToken | None:
        """The token whose secret hashes to this (revoked or not: the caller decides)."""
        with self._session() as session:
            row = session.scalar(sa.select(ApiTokenRow).where(ApiTokenRow.token_sha256 == token_sha256))
            return None if row is None else _token(row)

    def api_tokens(self, member_id: str) -> list[ApiToken]:
        """A member's tokens, newest first."""
        query = sa.select(ApiTokenRow).where(ApiTokenRow.member_id == member_id).order_by(ApiTokenRow.created_at.desc())
        with self._session() as session:
            return [_token(row) for row in session.scalars(query)]

    def touch_api_token(self, token_id: str) -> None:
        """Note a token's use."""
        with self._session() as session:
            session.execute(sa.update(ApiTokenRow).where(ApiTokenRow.token_id == token_id).values(last_used_at=now()))

    def revoke_api_token(self, token_id: str, *, member_id: str) -> bool:
        """Revoke a member's token; False when the member has no such live token (another member's included)."""
        with self._session() as session:
            result = session.execute(
                sa.update(ApiTokenRow)
                .where(
                    ApiTokenRow.token_id == token_id,
                    ApiTokenRow.member_id == member_id,
                    ApiTokenRow.revoked_at.is_(None),
                )
                .values(revoked_at=now())
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]


def _user(row: PortalUserRow) -> PortalUser:
    return PortalUser(
        user_id=row.user_id,
        email=row.email,
        role=row.role,
        member_id=row.member_id,
        created_at=row.created_at,
        password_hash=row.password_hash,
        password_set_at=row.password_set_at,
        disabled_at=row.disabled_at,
    )


def _invitation(row: InvitationRow) -> Invitation:
    return Invitation(
        invitation_id=row.invitation_id,
        user_id=row.user_id,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


def _failures(row: LoginFailureRow) -> LoginFailures:
    return LoginFailures(
        email=row.email, n_failures=row.n_failures, last_failed_at=row.last_failed_at, locked_until=row.locked_until
    )


def _token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        token_id=row.token_id,
        user_id=row.user_id,
        member_id=row.member_id,
        name=row.name,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
