"""Issue 29's API acceptance on the real server set: submit with a token, poll to completion, read the report, revoke.

The same real `junkan portal` as the browser test (tests/integration/portal_server.py: MinIO, PostgreSQL, the
session's Prefect server, an upload starting `junkan run`). A member's user is invited with the CLI, sets its
password and makes its tokens on the portal's own pages (over HTTP, CSRF token and all), then its "system" talks to
`/api/v1` with nothing but the token, as the README's curl and Python examples do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.integration.portal_server import PASSWORD, PortalServer, portal_server  # noqa: F401 - fixture by name
from tests.portal_helpers import csrf_from

MEMBER, EMAIL = "city-sendai", "kankyo@city.sendai.example.jp"
OTHER, OTHER_EMAIL = "corp-kita", "data@kita-metal.example.jp"
# A member's system's export: Japanese period and unit; the third row's quantity has a word in it and is set aside.
FLOWS_CSV = (
    "member_id,period,material,source_stage,target_stage,quantity,unit,region\n"
    f"{MEMBER},令和5年度,metals.ferrous,use,collection,430,トン,JP-04\n"
    f"{MEMBER},令和5年度,metals.ferrous,collection,recycling,420,トン,JP-04\n"
    f"{MEMBER},令和5年度,metals.ferrous,collection,landfill,約10,トン,JP-04\n"
).encode()
NEW_TOKEN = re.compile(r'id="new-token">(jk_[^<]+)<')
REVOKE_FORM = re.compile(r'action="/member/tokens/([^"/]+)/revoke"')


@dataclass
class Member:
    """A member's user logged in on the portal (its session) and a token its system uses."""

    session: httpx.Client
    token: str


def post_page_form(session: httpx.Client, page: str, action: str, fields: dict[str, str]) -> httpx.Response:
    """Open a page, then send its form as a browser would: the page's CSRF token first, then the fields."""
    token = csrf_from(session.get(page).text)
    return session.post(action, data={"csrftoken": token, **fields})


def make_token(session: httpx.Client, name: str) -> str:
    """Make a token on the API tokens page; its secret is on the answer, once."""
    answer = post_page_form(session, "/member/tokens", "/member/tokens", {"name": name})
    assert answer.status_code == 200, answer.text
    found = NEW_TOKEN.search(answer.text)
    assert found, "the tokens page did not show the new token"
    return found.group(1)


def api(portal: PortalServer, token: str) -> httpx.Client:
    """A member's system: the API with the token, and no cookie."""
    return httpx.Client(base_url=f"{portal.url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60)


def invited_user(portal: PortalServer, member_id: str, email: str) -> httpx.Client:
    """Invite a member's user with the CLI, set its password on the link's page and log in."""
    link = portal.invite(member_id, email)
    session = httpx.Client(base_url=portal.url, timeout=60)
    path = link.removeprefix(portal.url)
    answer = post_page_form(session, path, path, {"password": PASSWORD, "confirmation": PASSWORD})
    assert (answer.status_code, answer.headers["location"]) == (303, "/login"), answer.text
    answer = post_page_form(session, "/login", "/login", {"email": email, "password": PASSWORD})
    assert (answer.status_code, answer.headers["location"]) == (303, "/"), answer.text
    return session


@pytest.fixture(scope="module")
def members(portal_server: PortalServer) -> Iterator[dict[str, Member]]:  # noqa: F811
    """Two members, each with a logged-in user and a token made on the portal's page."""
    portal_server.add_member(MEMBER, kind="municipality", name="仙台市", region="JP-04", joined_on="2024-04-01")
    portal_server.add_member(OTHER, kind="company", name="北金属株式会社", region="JP-01", joined_on="2024-10-01")
    found = {}
    for member_id, email in ((MEMBER, EMAIL), (OTHER, OTHER_EMAIL)):
        session = invited_user(portal_server, member_id, email)
        found[member_id] = Member(session, make_token(session, "基幹システム連携"))
    yield found
    for member in found.values():
        member.session.close()


@pytest.fixture(scope="module")
def submitted(portal_server: PortalServer, members: dict[str, Member]) -> dict[str, Any]:  # noqa: F811
    """The member's system posts a file, then polls its status until it is final (as the README's example does)."""
    with api(portal_server, members[MEMBER].token) as client:
        answer = client.post(
            "/submissions", data={"dataset": "flows"}, files={"files": ("flows_FY2023.csv", FLOWS_CSV, "text/csv")}
        )
        assert answer.status_code == 202, answer.text
        [upload] = answer.json()["uploads"]
        assert (upload["file_name"], upload["dataset"], upload["size"]) == ("flows_FY2023.csv", "flows", len(FLOWS_CSV))
        assert upload["status_url"] == f"/api/v1/uploads/{upload['sha256']}"
        seen: list[str] = []

        def final() -> dict[str, Any] | None:
            status = client.get(upload["status_url"].removeprefix("/api/v1"))
            assert status.status_code == 200, status.text
            body: dict[str, Any] = status.json()
            seen.append(body["stage"])
            return body if body["is_final"] else None

        status = portal_server.wait_for("the upload's status final", final)
    return {"upload": upload, "status": status, "seen": seen}


def test_a_file_posted_with_a_token_is_judged_and_its_report_read(
    portal_server: PortalServer,  # noqa: F811
    members: dict[str, Member],
    submitted: dict[str, Any],
) -> None:
    status = submitted["status"]
    assert submitted["seen"][0] in ("received", "validated", "in_draft")
    assert status["stage"] == "in_draft", portal_server.diagnostics()
    assert status["status"] == "published"
    assert (status["n_read"], status["n_accepted"], status["n_quarantined"], status["n_warnings"]) == (3, 2, 1, 0)
    assert status["periods"] == ["FY2023"]
    assert status["sha256"] == submitted["upload"]["sha256"]
    submission_id = status["submission_id"]

    with api(portal_server, members[MEMBER].token) as client:
        assert client.get(f"/submissions/{submission_id}").json() == status
        listed = client.get("/submissions").json()["submissions"]
        assert [one["submission_id"] for one in listed] == [submission_id]
        report = client.get(f"/submissions/{submission_id}/report")
    assert report.status_code == 200, report.text
    body = report.json()
    assert {key: body["summary"][key] for key in ("n_read", "n_accepted", "n_quarantined", "n_warnings")} == {
        "n_read": 3,
        "n_accepted": 2,
        "n_quarantined": 1,
        "n_warnings": 0,
    }
    [error] = body["errors"]
    assert (error["row"], error["column"], error["value"]) == (4, "quantity", "約10")  # the header is row 1
    assert "not a number" in error["message_en"]
    assert "数値ではありません" in error["message_ja"]
    assert body["warnings"] == []


def test_another_members_token_sees_none_of_it(
    portal_server: PortalServer,  # noqa: F811
    members: dict[str, Member],
    submitted: dict[str, Any],
) -> None:
    submission_id = submitted["status"]["submission_id"]
    with api(portal_server, members[OTHER].token) as client:
        assert client.get("/submissions").json() == {"submissions": []}
        assert client.get(f"/submissions/{submission_id}").status_code == 404
        assert client.get(f"/submissions/{submission_id}/report").status_code == 404
        assert client.get(submitted["upload"]["status_url"].removeprefix("/api/v1")).status_code == 404
        assert client.post(f"/submissions/{submission_id}/withdraw").status_code == 404
    # The owner's file is untouched by the refused withdrawal.
    with api(portal_server, members[MEMBER].token) as client:
        assert client.get(f"/submissions/{submission_id}").json()["stage"] == "in_draft"


def test_a_revoked_token_is_refused(
    portal_server: PortalServer,  # noqa: F811
    members: dict[str, Member],
) -> None:
    session = members[MEMBER].session
    spare = make_token(session, "試験用")
    with api(portal_server, spare) as client:
        assert client.get("/submissions").status_code == 200
        tokens_page = session.get("/member/tokens").text
        # Two live tokens listed, each with its revoke form: revoke the spare one, by the row that names it.
        revoke_ids = REVOKE_FORM.findall(tokens_page)
        assert len(revoke_ids) == 2
        spare_id = next(one for one in revoke_ids if _row_of(tokens_page, one).count("試験用"))
        answer = post_page_form(session, "/member/tokens", f"/member/tokens/{spare_id}/revoke", {})
        assert (answer.status_code, answer.headers["location"]) == (303, "/member/tokens")

        refused = client.get("/submissions")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        posted = client.post("/submissions", data={"dataset": "flows"}, files={"files": ("again.csv", FLOWS_CSV)})
        assert posted.status_code == 401
    # The member's other token still works.
    with api(portal_server, members[MEMBER].token) as client:
        assert client.get("/submissions").status_code == 200


def _row_of(page: str, token_id: str) -> str:
    """The tokens table's row holding a token's revoke form."""
    end = page.index(f"/member/tokens/{token_id}/revoke")
    return page[page.rindex("<tr>", 0, end) : end]
