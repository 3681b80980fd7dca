from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.portal.messages import MESSAGES
from tests.portal_helpers import PASSWORD, Portal, csrf_from, make_portal, post_form

TEMPLATES = Path(__file__).resolve().parents[4] / "infra" / "portal" / "templates"
CODE_KEY = r"""(?:translate|flash|AccountError)\(\s*(?:request,\s*)?["']([a-z_]+\.[a-z_]+)["']"""
SOURCES = [*(Path(__file__).resolve().parents[4] / "infra" / "portal").rglob("*.py")]
SOURCES += [*(Path(__file__).resolve().parents[4] / "flows" / "portal").rglob("*.py")]


@pytest.fixture
def portal(tmp_path: Path) -> Portal:
    return make_portal(tmp_path)


def test_the_login_page_is_japanese_and_switches_to_english(portal: Portal) -> None:
    client = portal.client()
    page = client.get("/login")
    assert page.status_code == 200
    assert '<html lang="ja">' in page.text
    assert "メールアドレス" in page.text

    switched = client.get("/lang/en?next=/login")
    assert switched.status_code == 303
    assert switched.headers["location"] == "/login"
    assert "E-mail address" in client.get("/login").text


def test_the_language_switch_never_sends_the_browser_to_another_site(portal: Portal) -> None:
    assert portal.client().get("/lang/en?next=//evil.example/").headers["location"] == "/"


def test_an_invited_user_sets_a_password_on_the_link_and_logs_in(portal: Portal) -> None:
    _, token = portal.accounts.invite("officer@city-a.example.jp", member_id="city-a", created_by="test")
    client = portal.client()
    link = f"/invitation/{token}"
    done = post_form(client, link, link, {"password": PASSWORD, "confirmation": PASSWORD})
    assert done.status_code == 303
    assert client.get(link).status_code == 410  # used up

    logged_in = post_form(client, "/login", "/login", {"email": "Officer@city-a.example.jp", "password": PASSWORD})
    assert logged_in.status_code == 303
    assert client.get("/", follow_redirects=False).headers["location"] == "/member"


def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(portal: Portal) -> None:
    email = portal.member_user("city-a", "officer@city-a.example.jp")
    client = portal.client()
    wrong = post_form(client, "/login", "/login", {"email": email, "password": "not the password"})
    unknown = post_form(client, "/login", "/login", {"email": "nobody@example.jp", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert MESSAGES["login.wrong"][0] in wrong.text
    assert MESSAGES["login.wrong"][0] in unknown.text


def test_every_message_key_named_in_templates_and_code_is_in_the_catalogue() -> None:
    named = set()
    for template in TEMPLATES.rglob("*.html"):
        named |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_]+)["']""", template.read_text(encoding="utf-8")))
    for source in SOURCES:
        text = source.read_text(encoding="utf-8")
        named |= set(re.findall(CODE_KEY, text))
    assert named, "no message keys found: the pattern is wrong"
    assert sorted(named - MESSAGES.keys()) == []


def test_a_page_carries_its_csrf_token_and_the_cookie_that_matches(portal: Portal) -> None:
    client = portal.client()
    token = csrf_from(client.get("/login").text)
    assert client.cookies.get("junkan_csrf") == token
