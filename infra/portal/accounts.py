"""Accounts policy: argon2 passwords, one-time invitations, failed logins slowed then locked, hashed API tokens.

The ledger stores (`infra.ledger.accounts`); this module decides. Secrets are made here and shown once: an
invitation link when it is created, an API token when it is created; only their SHA-256 is kept (they are
random and long, so a fast hash is enough), and passwords only as argon2id hashes (argon2-cffi's defaults).
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from infra.ledger import ApiToken, Invitation, Ledger, PortalUser
from infra.ledger.session import now
from infra.settings import Settings

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
API_TOKEN_PREFIX = "jk_"
MAX_TOKEN_NAME_CHARS = 100


def sha256(secret: str) -> str:
    """The hash a random token is stored and looked up by."""
    return hashlib.sha256(secret.encode()).hexdigest()


class AccountError(ValueError):
    """A refusal the portal shows: `code` is a message key of the catalogue (`infra.portal.messages`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class LoginResult(StrEnum):
    """What a login attempt gave."""

    ok = "ok"
    wrong = "wrong"  # unknown address, wrong password or disabled: the same answer, so nobody learns who exists
    locked = "locked"


@dataclass(frozen=True)
class Login:
    """A login attempt's outcome, with the delay the answer waits (longer after every failure in a row)."""

    result: LoginResult
    user: PortalUser | None = None
    delay_seconds: float = 0.0
    locked_until: datetime | None = None


class Accounts:
    """Users, invitations, logins and API tokens over the ledger, by the settings' policy."""

    def __init__(self, ledger: Ledger, settings: Settings) -> None:
        self.ledger = ledger
        self.settings = settings
        self.hasher = PasswordHasher()

    @functools.cached_property
    def _dummy_hash(self) -> str:
        """A hash checked for an unknown address, so that it costs as much time as a wrong password.

        Hashed once, when a login first needs it: inviting or approving builds `Accounts` and needs none.
        """
        return self.hasher.hash(secrets.token_urlsafe(16))

    # invitations ---------------------------------------------------------------------------------

    def invite(self, email: str, *, member_id: str | None, created_by: str) -> tuple[PortalUser, str]:
        """A user for a member (or the secretariat, without `member_id`) and a one-time link to set its password.

        Inviting an existing user again gives a new link (a lost or expired one); an address is never moved
        from one member to another.
        """
        email = email.strip()
        if "@" not in email or len(email) > 254 or any(character.isspace() for character in email):
            raise AccountError("invite.bad_email")
        role = "member" if member_id else "secretariat"
        if member_id is not None and self.ledger.get_member(member_id) is None:
            raise AccountError("invite.unknown_member")
        user = self.ledger.user_by_email(email)
        if user is None:
            user = self.ledger.add_user(email, role=role, member_id=member_id)
        elif (user.role, user.member_id) != (role, member_id):
            raise AccountError("invite.other_member")
        token = secrets.token_urlsafe(32)
        expires_at = now() + timedelta(hours=self.settings.portal_invitation_hours)
        self.ledger.add_invitation(
            user.user_id, token_sha256=sha256(token), created_by=created_by, expires_at=expires_at
        )
        return user, token

    def invitation_link(self, token: str) -> str:
        """The link a user opens to set its password."""
        return f"{self.settings.resolved_portal_url}/invitation/{token}"

    def open_invitation(self, token: str) -> tuple[Invitation, PortalUser]:
        """The invitation a link names, while it can still be used."""
        invitation = self.ledger.invitation_by_token(sha256(token))
        if invitation is None:
            raise AccountError("invitation.unknown")
        if invitation.used_at is not None:
            raise AccountError("invitation.used")
        if invitation.expires_at <= now():
            raise AccountError("invitation.expired")
        user = self.ledger.get_user(invitation.user_id)
        if user is None or user.disabled_at is not None:
            raise AccountError("invitation.unknown")
        return invitation, user

    def accept_invitation(self, token: str, password: str, confirmation: str) -> PortalUser:
        """Set the invited user's password, using up the link."""
        invitation, user = self.open_invitation(token)
        check_password(password, confirmation, email=user.email)
        if not self.ledger.use_invitation(invitation.invitation_id):
            raise AccountError("invitation.used")
        self.ledger.set_password_hash(user.user_id, self.hasher.hash(password))
        self.ledger.clear_login_failures(user.email)
        found = self.ledger.get_user(user.user_id)
        assert found is not None  # noqa: S101 - just written
        return found

    # logins --------------------------------------------------------------------------------------

    def login(self, email: str, password: str) -> Login:
        """Check a password; failures in a row wait longer each time and lock the address for a while."""
        at = now()
        failures = self.ledger.login_failures(email)
        if failures is not None and failures.locked_until is not None and failures.locked_until > at:
            delay = self._delay(failures.n_failures)
            return Login(LoginResult.locked, delay_seconds=delay, locked_until=failures.locked_until)
        user = self.ledger.user_by_email(email)
        usable = user is not None and user.disabled_at is None and user.password_hash is not None
        if self._verify(user.password_hash if usable and user else None, password[:MAX_PASSWORD_CHARS]) and user:
            self.ledger.clear_login_failures(email)
            if self.hasher.check_needs_rehash(user.password_hash or ""):
                self.ledger.set_password_hash(user.user_id, self.hasher.hash(password))
            return Login(LoginResult.ok, user=user)
        failed = self.ledger.record_login_failure(
            email,
            at=at,
            lock_after=self.settings.portal_login_max_failures,
            lock_for=timedelta(seconds=self.settings.portal_login_lock_seconds),
        )
        locked_until = failed.locked_until
        result = LoginResult.locked if locked_until else LoginResult.wrong
        return Login(result, delay_seconds=self._delay(failed.n_failures), locked_until=locked_until)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash or self._dummy_hash, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    def _delay(self, n_failures: int) -> float:
        delay: float = self.settings.portal_login_failure_delay_seconds * 2.0 ** max(n_failures - 1, 0)
        return min(delay, 10.0)

    def session_user(self, user_id: str, *, issued_at: float) -> PortalUser | None:
        """The user a session names, while it may still use it: not disabled, no password set since the login."""
        user = self.ledger.get_user(user_id)
        if user is None or user.disabled_at is not None or user.password_hash is None:
            return None
        if user.password_set_at is not None and user.password_set_at.timestamp() > issued_at:
            return None
        return user

    # API tokens ----------------------------------------------------------------------------------

    def create_api_token(self, user: PortalUser, name: str) -> tuple[ApiToken, str]:
        """A new token for the user's member; the secret is returned once, never stored."""
        name = name.strip()
        if user.member_id is None:
            raise AccountError("tokens.member_only")
        if not name or len(name) > MAX_TOKEN_NAME_CHARS:
            raise AccountError("tokens.bad_name")
        secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = self.ledger.add_api_token(
            user_id=user.user_id, member_id=user.member_id, name=name, token_sha256=sha256(secret)
        )
        return token, secret

    def token_user(self, secret: str) -> tuple[ApiToken, PortalUser] | None:
        """The live token a secret is and its user, or None (unknown, revoked, or its user disabled)."""
        if not secret.startswith(API_TOKEN_PREFIX):
            return None
        token = self.ledger.api_token_by_hash(sha256(secret))
        if token is None or token.revoked_at is not None:
            return None
        user = self.ledger.get_user(token.user_id)
        if user is None or user.disabled_at is not None or user.member_id != token.member_id:
            return None
        self.ledger.touch_api_token(token.token_id)
        return token, user


def check_password(password: str, confirmation: str, *, email: str) -> None:
    """Refuse a password a member should not use, with the catalogue's message key."""
    if password != confirmation:
        raise AccountError("password.mismatch")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError("password.too_short")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError("password.too_long")
    if password.strip().lower() == email.strip().lower():
        raise AccountError("password.is_email")
