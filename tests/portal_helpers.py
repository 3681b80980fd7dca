"""A portal in a temporary home for the fast tests: settings, resources, members, users and a logged-in client."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import SecretStr

from flows.portal import create_app
from infra.ledger import Member
from infra.portal.accounts import Accounts
from infra.resources import Resources, build_resources
from infra.settings import Settings

with warnings.catch_warnings():
    # Starlette 1.x would rather its TestClient ran on `httpx2` (not installed); it works on `httpx`.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

PASSWORD = "correct horse battery staple"
CSRF_INPUT = re.compile(r'name="csrftoken" value="([^"]+)"')


@dataclass
class Portal:
    """One portal app over one temporary home."""

    settings: Settings
    resources: Resources
    accounts: Accounts

    def client(self, *, app: FastAPI | None = None, address: str = "testclient") -> TestClient:
        """A browser of its own (its own cookies) at a client address, on a new portal app unless given one."""
        app = app or create_app(self.settings, resources=self.resources)
        return TestClient(app, follow_redirects=False, client=(address, 50000))

    def member_user(self, member_id: str, email: str, *, password: str = PASSWORD) -> str:
        """A member's user with a password set; its e-mail address."""
        _, token = self.accounts.invite(email, member_id=member_id, created_by="test")
        self.accounts.accept_invitation(token, password, password)
        return email

    def logged_in(self, email: str, *, password: str = PASSWORD) -> TestClient:
        """A client logged in as this user."""
        client = self.client()
        response = post_form(client, "/login", "/login", {"email": email, "password": password})
        assert response.status_code == 303, response.text
        return client


def make_portal(home: Path, **overrides: Any) -> Portal:
    """A portal over a fresh home with members city-a (municipality) and corp-b (company)."""
    values: dict[str, Any] = {
        "home": home,
        "portal_secret_key": SecretStr("test-secret-of-the-portal"),
        "portal_login_failure_delay_seconds": 0.0,
    }
    settings = Settings(**{**values, **overrides})
    resources = build_resources(settings)
    for member_id, name, kind, region in (
        ("city-a", "A市", "municipality", "JP-13"),
        ("corp-b", "B株式会社", "company", "JP-27"),
    ):
        resources.ledger.add_member(
            Member(member_id=member_id, name=name, kind=kind, region=region, joined_on=date(2024, 4, 1))
        )
    return Portal(settings=settings, resources=resources, accounts=Accounts(resources.ledger, settings))


def csrf_from(html: str) -> str:
    """The CSRF token a page's form carries."""
    found = CSRF_INPUT.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def post_form(client: TestClient, page: str, action: str, fields: dict[str, str]) -> Any:
    """Open a page, then send its form as a browser would: the CSRF token first, then the fields."""
    token = csrf_from(client.get(page).text)
    return client.post(action, data={"csrftoken": token, **fields})
