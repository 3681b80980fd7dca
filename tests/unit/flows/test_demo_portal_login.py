from __future__ import annotations

from pathlib import Path

from flows.demo.portal_login import demo_login
from infra.portal.accounts import LoginResult
from tests.portal_helpers import make_portal


def test_the_demo_login_works_once_and_a_second_demo_gives_a_link_instead(tmp_path: Path) -> None:
    portal = make_portal(tmp_path)
    first = demo_login(portal.resources)
    assert first is not None
    assert first.member_id == "city-a"  # a municipality first
    assert first.password is not None
    assert first.password not in repr(first)
    assert portal.accounts.login(first.email, first.password).result is LoginResult.ok

    again = demo_login(portal.resources)
    assert again is not None
    assert again.password is None
    assert again.link is not None
    assert "/invitation/" in again.link
