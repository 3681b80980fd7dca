"""The demo's portal login: one municipality's user with a password made up now, shown once by `junkan demo`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from infra.portal.accounts import Accounts
from infra.resources import Resources


@dataclass(frozen=True)
class DemoLogin:
    """Who to log in as on the demo's portal: a password for a new user, or a new link for one made before."""

    member_id: str
    email: str
    password: str | None = None
    link: str | None = None

    def __repr__(self) -> str:  # the password stays out of logs and tracebacks
        return f"DemoLogin({self.member_id!r}, {self.email!r})"


def demo_login(resources: Resources) -> DemoLogin | None:
    """A user of the first municipality (else the first member); None when the demo registered no member."""
    members = sorted(
        resources.ledger.list_members(), key=lambda member: (member.kind != "municipality", member.member_id)
    )
    if not members:
        return None
    member_id = members[0].member_id
    email = f"demo@{member_id}.example.jp"
    accounts = Accounts(resources.ledger, resources.settings)
    existing = resources.ledger.user_by_email(email)
    _, token = accounts.invite(email, member_id=member_id, created_by="junkan demo")
    if existing is not None and existing.password_hash is not None:
        # The demo ran before: its password was shown then and is not kept; a new link sets another.
        return DemoLogin(member_id, email, link=accounts.invitation_link(token))
    password = secrets.token_urlsafe(12)
    accounts.accept_invitation(token, password, password)
    return DemoLogin(member_id, email, password=password)
