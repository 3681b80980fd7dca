"""The secretariat's side: only secretariat users pass, every form needs its CSRF token, and the actions do what
the CLI's commands do (invite, disable, revoke, disclosure classes, the follow-up pack, releases' confirmation)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from flows.portal import routers
from infra.portal.messages import MESSAGES
from tests.portal_helpers import PASSWORD, Portal, csrf_from, make_portal, post_form

SECRETARIAT = "office@junkan.example.jp"
OFFICER = "officer@city-a.example.jp"


@pytest.fixture
def portal(tmp_path: Path) -> Portal:
    made = make_portal(tmp_path)
    _, token = made.accounts.invite(SECRETARIAT, member_id=None, created_by="test")
    made.accounts.accept_invitation(token, PASSWORD, PASSWORD)
    made.member_user("city-a", OFFICER)
    return made


def secretariat_routes(portal: Portal) -> list[tuple[str, str]]:
    """(method, path) of every secretariat page and action, its path parameters filled with ids that exist."""
    ledger = portal.resources.ledger
    officer = ledger.user_by_email(OFFICER)
    assert officer is not None
    _, _ = portal.accounts.invite("new@city-a.example.jp", member_id="city-a", created_by="test")
    [invitation] = ledger.pending_invitations([one.user_id for one in ledger.users(member_id="city-a")])
    application = ledger.add_join_application(
        organisation_name="C町",
        kind="municipality",
        region="JP-01",
        contact_name="担当",
        contact_email="c@town.example.lg.jp",
        commitments_accepted_at=invitation.created_at,
    )
    values = {
        "member_id": "city-a",
        "user_id": officer.user_id,
        "invitation_id": invitation.invitation_id,
        "application_id": application.application_id,
        "period": "FY2024",
        "as_of": "2026-03-31",
        "extension": "html",
    }
    found = []
    for route in (route for router in routers() for route in router.routes):
        if isinstance(route, APIRoute) and route.path.startswith("/secretariat"):
            path = route.path
            for name, value in values.items():
                path = path.replace("{" + name + "}", value)
            assert "{" not in path, f"a path parameter without a value in the test: {route.path}"
            found += [(method, path) for method in sorted(route.methods)]
    assert len(found) >= 15, found  # the pages and actions this side has: a pattern that found none tests nothing
    return found


def test_a_members_user_gets_403_on_every_secretariat_page_and_action(portal: Portal) -> None:
    routes = secretariat_routes(portal)
    client = portal.logged_in(OFFICER)
    token = csrf_from(client.get("/login").text)
    before = (portal.resources.ledger.users(), portal.resources.ledger.join_applications())

    for method, path in routes:
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={"csrftoken": token, "email": "x@example.jp", "note": "n"})
        assert response.status_code == 403, (method, path, response.status_code)
        assert MESSAGES["error.forbidden"][0] in response.text

    assert (portal.resources.ledger.users(), portal.resources.ledger.join_applications()) == before


def test_nobody_logged_in_is_sent_to_the_login_page_from_every_secretariat_page(portal: Portal) -> None:
    client = portal.client()
    for method, path in secretariat_routes(portal):
        if method != "GET":
            continue
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=%2Fsecretariat"), path


def test_every_secretariat_form_without_its_csrf_token_is_refused(portal: Portal) -> None:
    routes = [(method, path) for method, path in secretariat_routes(portal) if method == "POST"]
    client = portal.logged_in(SECRETARIAT)
    client.get("/secretariat")  # the CSRF cookie is set; only the form's field is missing
    before = (portal.resources.ledger.users(), portal.resources.ledger.join_applications())

    for _, path in routes:
        response = client.post(path, data={"email": "x@example.jp", "note": "n", "confirmation": "FY2024"})
        assert response.status_code == 403, path
        assert MESSAGES["error.csrf"][0] in response.text

    assert (portal.resources.ledger.users(), portal.resources.ledger.join_applications()) == before
    assert portal.resources.ledger.runs(kind="release") == []


def test_the_members_list_shows_kind_region_joining_date_class_and_obligations(portal: Portal) -> None:
    page = portal.logged_in(SECRETARIAT).get("/secretariat/members").text
    rows = [re.sub(r"<[^>]+>", "|", row) for row in re.findall(r"<tr>\s*<td>.*?</tr>", page, re.DOTALL)]
    cells = [[cell.strip() for cell in row.split("|") if cell.strip()] for row in rows]
    # city-a: a municipality (public by default), joined 2024-04-01, nothing submitted: its one-year obligations
    # (target set, target published) and its follow-up (due a year after a target it never set) are overdue;
    # the plan's revision is due. corp-b: a company, confidential, its four obligations overdue.
    assert cells == [
        ["city-a", "A市", "自治体", "東京都", "2024-04-01", "公開", "0", "1", "3"],
        ["corp-b", "B株式会社", "企業", "大阪府", "2024-04-01", "非公開", "0", "0", "4"],
    ]


def test_an_invitation_made_on_the_members_page_works_and_can_be_revoked(portal: Portal) -> None:
    client = portal.logged_in(SECRETARIAT)
    page = "/secretariat/members/city-a"
    made = post_form(client, page, f"{page}/invite", {"email": "second@city-a.example.jp"})
    assert made.status_code == 200
    [link] = re.findall(r'class="secret">([^<]+)<', made.text)
    path = link.removeprefix(portal.settings.resolved_portal_url)
    assert portal.client().get(path).status_code == 200

    [pending] = portal.resources.ledger.pending_invitations(
        [one.user_id for one in portal.resources.ledger.users(member_id="city-a")]
    )
    revoked = post_form(client, page, f"{page}/invitations/{pending.invitation_id}/revoke", {})
    assert revoked.status_code == 303
    assert portal.client().get(path).status_code == 410
    assert MESSAGES["secretariat.no_invitations"][0] in client.get(page).text


def test_an_address_of_another_member_is_refused_naming_the_field(portal: Portal) -> None:
    client = portal.logged_in(SECRETARIAT)
    refused = post_form(client, "/secretariat/members/corp-b", "/secretariat/members/corp-b/invite", {"email": OFFICER})
    assert refused.status_code == 400
    assert f"{MESSAGES['login.email'][0]}: {MESSAGES['invite.other_member'][0]}" in refused.text
    assert portal.resources.ledger.user_by_email(OFFICER).member_id == "city-a"  # type: ignore[union-attr]


def test_disabling_a_user_ends_its_session_and_another_members_user_is_not_found(portal: Portal) -> None:
    officer_client = portal.logged_in(OFFICER)
    assert officer_client.get("/").status_code == 303
    officer = portal.resources.ledger.user_by_email(OFFICER)
    assert officer is not None
    client = portal.logged_in(SECRETARIAT)

    elsewhere = post_form(client, "/secretariat", f"/secretariat/members/corp-b/users/{officer.user_id}/disable", {})
    assert elsewhere.status_code == 404
    done = post_form(client, "/secretariat", f"/secretariat/members/city-a/users/{officer.user_id}/disable", {})
    assert done.status_code == 303

    assert portal.resources.ledger.get_user(officer.user_id).disabled_at is not None  # type: ignore[union-attr]
    assert officer_client.get("/").headers["location"] == "/login"


def test_a_disclosure_class_is_recorded_as_junkan_members_disclosure_records_it(portal: Portal) -> None:
    client = portal.logged_in(SECRETARIAT)
    page = "/secretariat/members/corp-b"
    done = post_form(
        client, page, f"{page}/disclosure", {"disclosure_class": "public", "consented_on": "2025-04-01", "dataset": ""}
    )
    assert done.status_code == 303
    history = portal.resources.ledger.disclosure_history("corp-b")
    assert [(one.dataset, one.disclosure_class, one.consented_on) for one in history] == [
        ("flows", "public", date(2025, 4, 1)),
        ("progress", "public", date(2025, 4, 1)),
    ]

    again = post_form(client, page, f"{page}/disclosure", {"disclosure_class": "public", "consented_on": "2025-04-01"})
    assert again.status_code == 303
    assert MESSAGES["secretariat.disclosure_unchanged"][0] in client.get(page).text
    bad = post_form(client, page, f"{page}/disclosure", {"disclosure_class": "open", "consented_on": "April"})
    assert bad.status_code == 400
    assert MESSAGES["secretariat.bad_disclosure_class"][0] in bad.text
    assert MESSAGES["secretariat.bad_consented_on"][0] in bad.text
    assert len(portal.resources.ledger.disclosure_history("corp-b")) == 2


def test_the_followup_pack_is_the_commands_page_and_workbook(portal: Portal) -> None:
    client = portal.logged_in(SECRETARIAT)
    page = client.get("/secretariat/followup/2026-03-31.html")
    assert page.status_code == 200
    assert "2026-03-31" in page.text
    assert "B株式会社" in page.text  # restricted: member names, for the secretariat only
    assert "script-src 'unsafe-inline'" in page.headers["content-security-policy"]
    workbook = client.get("/secretariat/followup/2026-03-31.xlsx")
    assert workbook.headers["content-disposition"] == 'attachment; filename="followup-2026-03-31.xlsx"'
    assert workbook.content[:2] == b"PK"
    assert client.get("/secretariat/followup/go?as_of=2026-03-31&format=xlsx").headers["location"] == (
        "/secretariat/followup/2026-03-31.xlsx"
    )
    bad = client.get("/secretariat/followup/31-03-2026.html")
    assert bad.status_code == 400
    assert MESSAGES["followup.bad_date"][0] in bad.text


def test_a_period_nobody_submitted_cannot_be_released_and_a_release_needs_its_period_typed(portal: Portal) -> None:
    client = portal.logged_in(SECRETARIAT)
    assert MESSAGES["releases.none"][0] in client.get("/secretariat/releases").text
    assert client.get("/secretariat/releases/FY2024").status_code == 404
    refused = post_form(client, "/secretariat", "/secretariat/releases/FY2024", {"confirmation": "FY2024"})
    assert refused.status_code == 404
    assert portal.resources.ledger.runs(kind="release") == []
