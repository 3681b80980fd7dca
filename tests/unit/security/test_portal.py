"""The portal's protections, each with a test that fails when the protection is removed (issue 29, point 8)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.portal_helpers import PASSWORD, Portal, csrf_from, make_portal, post_form

FLOWS_CSV = (
    "member_id,period,material,source_stage,target_stage,quantity,unit,region\n"
    "city-a,令和6年度,plastics,collection,recycling,12,トン,JP-13\n"
).encode()

APPLICATION = {
    "organisation_name": "C大学",
    "region": "JP-13",
    "contact_name": "研究 花子",
    "contact_email": "kenkyu@c-univ.example.ac.jp",
    "commitment": ["project_started", "results_disclosed"],
}


@pytest.fixture
def portal(tmp_path: Path) -> Portal:
    # events: the portal only puts files in the inbox (no `junkan run` in a unit test)
    return make_portal(tmp_path, portal_ingest="events", portal_max_upload_files=2, portal_max_upload_bytes=2048)


def _upload(client, files: list[tuple[str, bytes]], dataset: str = "flows"):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/member/upload").text)
    return client.post(
        "/member/upload",
        data={"csrftoken": token, "dataset": dataset},
        files=[("files", (name, data, "text/csv")) for name, data in files],
    )


def _submission_of(portal: Portal, member_id: str) -> str:
    """A recorded submission of the member (as the judging path would record one)."""
    from infra.storage.keys import inbox_key

    key = inbox_key(member_id, "flows", "2024.csv")
    portal.resources.storage.put_bytes(key, FLOWS_CSV)
    submission, _ = portal.resources.ledger.register_submission(
        member_id=member_id, dataset="flows", key=key, sha256="0" * 64, size=len(FLOWS_CSV), source="inbox"
    )
    return submission.submission_id


def test_session_cookie_is_httponly_and_samesite(portal: Portal) -> None:
    email = portal.member_user("city-a", "a@city-a.example.jp")
    client = portal.client()
    response = post_form(client, "/login", "/login", {"email": email, "password": PASSWORD})
    cookie = next(value for value in response.headers.get_list("set-cookie") if value.startswith("junkan_session="))
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()


def test_a_form_without_its_csrf_token_is_refused(portal: Portal) -> None:
    email = portal.member_user("city-a", "a@city-a.example.jp")
    client = portal.logged_in(email)
    assert client.post("/member/tokens", data={"name": "erp"}).status_code == 403
    assert client.post("/logout").status_code == 403
    assert client.post("/login", data={"email": email, "password": PASSWORD, "csrftoken": "forged"}).status_code == 403
    fresh = portal.client()  # no cookies at all: still refused
    assert fresh.post("/login", data={"email": email, "password": PASSWORD}).status_code == 403
    assert portal.resources.ledger.api_tokens("city-a") == []


def test_a_multipart_upload_without_its_csrf_token_is_refused(portal: Portal) -> None:
    client = portal.logged_in(portal.member_user("city-a", "a@city-a.example.jp"))
    client.get("/member/upload")
    response = client.post("/member/upload", data={"dataset": "flows"}, files=[("files", ("a.csv", FLOWS_CSV))])
    assert response.status_code == 403
    assert list(portal.resources.storage.list("inbox/")) == []


def test_failed_logins_are_locked_after_repeated_failures(tmp_path: Path) -> None:
    portal = make_portal(tmp_path, portal_login_max_failures=2)
    email = portal.member_user("city-a", "a@city-a.example.jp")
    client = portal.client()
    first = post_form(client, "/login", "/login", {"email": email, "password": "wrong password 1"})
    second = post_form(client, "/login", "/login", {"email": email, "password": "wrong password 2"})
    right = post_form(client, "/login", "/login", {"email": email, "password": PASSWORD})
    assert (first.status_code, second.status_code, right.status_code) == (401, 429, 429)


def test_failed_logins_are_slowed(tmp_path: Path) -> None:
    import time

    portal = make_portal(tmp_path, portal_login_failure_delay_seconds=0.4)
    client = portal.client()
    token = csrf_from(client.get("/login").text)
    started = time.monotonic()
    client.post("/login", data={"csrftoken": token, "email": "x@example.jp", "password": "wrong password"})
    assert time.monotonic() - started >= 0.4


def test_applications_to_join_are_limited_per_client_address(tmp_path: Path) -> None:
    from flows.portal import create_app

    portal = make_portal(tmp_path, portal_join_max_per_hour=2)
    app = create_app(portal.settings, resources=portal.resources)  # one portal, as `junkan portal` serves
    here, elsewhere = portal.client(app=app, address="198.51.100.7"), portal.client(app=app, address="203.0.113.9")

    sent = [post_form(here, "/join/university", "/join/university", APPLICATION) for _ in range(3)]
    here.get("/lang/en?next=/join/university")
    in_english = post_form(here, "/join/university", "/join/university", APPLICATION)
    from_elsewhere = post_form(elsewhere, "/join/university", "/join/university", APPLICATION)

    assert [one.status_code for one in sent] == [303, 303, 429]
    assert "このネットワークから1時間に送信できる申請（2 件）を超えたため" in sent[2].text
    assert 'value="C大学"' in sent[2].text  # the form is kept, to send again later
    assert 0 < int(sent[2].headers["retry-after"]) <= 3600
    assert in_english.status_code == 429
    assert "than the 2 an hour it may send: this one was not received" in in_english.text
    assert from_elsewhere.status_code == 303  # another address is not held back
    assert len(portal.resources.ledger.join_applications()) == 3


def test_a_member_cannot_open_or_withdraw_another_members_submission(portal: Portal) -> None:
    theirs = _submission_of(portal, "corp-b")
    client = portal.logged_in(portal.member_user("city-a", "a@city-a.example.jp"))
    assert client.get(f"/member/files/{theirs}").status_code == 404
    token = csrf_from(client.get("/member/upload").text)
    assert client.post(f"/member/files/{theirs}/withdraw", data={"csrftoken": token}).status_code == 404
    submission = portal.resources.ledger.get_submission(theirs)
    assert submission is not None
    assert submission.status == "received"
    listed = client.get("/member/files/status.json").json()["files"]
    assert all(one["submission_id"] != theirs for one in listed)
    assert "2024.csv" not in client.get("/member/files").text  # corp-b's file name


def test_a_members_disclosure_preview_is_its_own_and_runs_nothing(portal: Portal) -> None:
    from infra.storage.keys import preview_key

    mine, theirs = _submission_of(portal, "city-a"), _submission_of(portal, "corp-b")
    for member_id, submission_id in (("city-a", mine), ("corp-b", theirs)):
        page = f"<!DOCTYPE html><title>preview</title><p>{member_id} cells</p>".encode()
        portal.resources.storage.put_bytes(preview_key(member_id, "flows", submission_id), page)
    client = portal.logged_in(portal.member_user("city-a", "a@city-a.example.jp"))

    own = client.get(f"/member/files/{mine}/preview")
    assert own.status_code == 200
    assert "city-a cells" in own.text
    # The run's page keeps its inline style, and nothing in it may run or load.
    assert own.headers["content-security-policy"].startswith("default-src 'none'; style-src 'unsafe-inline';")
    assert "script-src" not in own.headers["content-security-policy"]
    assert f'href="/member/files/{mine}/preview"' in client.get(f"/member/files/{mine}").text
    assert client.get(f"/member/files/{theirs}/preview").status_code == 404


def test_a_member_cannot_revoke_another_members_token(portal: Portal) -> None:
    other = portal.resources.ledger.user_by_email(portal.member_user("corp-b", "b@corp-b.example.jp"))
    assert other is not None
    token, secret = portal.accounts.create_api_token(other, "erp")
    client = portal.logged_in(portal.member_user("city-a", "a@city-a.example.jp"))
    form = csrf_from(client.get("/member/tokens").text)
    assert client.post(f"/member/tokens/{token.token_id}/revoke", data={"csrftoken": form}).status_code == 404
    assert portal.accounts.token_user(secret) is not None
    assert "erp" not in client.get("/member/tokens").text


def test_the_api_answers_only_about_the_tokens_member(portal: Portal) -> None:
    theirs = _submission_of(portal, "corp-b")
    user = portal.resources.ledger.user_by_email(portal.member_user("city-a", "a@city-a.example.jp"))
    assert user is not None
    _, secret = portal.accounts.create_api_token(user, "erp")
    client = portal.client()
    headers = {"authorization": f"Bearer {secret}"}
    assert client.get(f"/api/v1/submissions/{theirs}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/submissions/{theirs}/report", headers=headers).status_code == 404
    assert client.post(f"/api/v1/submissions/{theirs}/withdraw", headers=headers).status_code == 404
    assert client.get("/api/v1/submissions", headers=headers).json() == {"submissions": []}
    assert client.get("/api/v1/member", headers=headers).json()["member_id"] == "city-a"


def test_an_upload_s_status_answers_for_its_own_digest_only(portal: Portal) -> None:
    """A waiting file is `received` by its own SHA-256; any other digest is unknown, even while one waits."""
    import hashlib

    user = portal.resources.ledger.user_by_email(portal.member_user("city-a", "a@city-a.example.jp"))
    assert user is not None
    _, secret = portal.accounts.create_api_token(user, "erp")
    headers = {"authorization": f"Bearer {secret}"}
    client = portal.client()
    posted = client.post(
        "/api/v1/submissions", headers=headers, data={"dataset": "flows"}, files=[("files", ("a.csv", FLOWS_CSV))]
    )
    assert posted.status_code == 202, posted.text
    digest = hashlib.sha256(FLOWS_CSV).hexdigest()
    assert posted.json()["uploads"][0]["sha256"] == digest
    assert client.get(f"/api/v1/uploads/{digest}", headers=headers).json()["stage"] == "received"
    assert client.get(f"/api/v1/uploads/{'1' * 64}", headers=headers).status_code == 404
    theirs = portal.resources.ledger.user_by_email(portal.member_user("corp-b", "b@corp-b.example.jp"))
    assert theirs is not None
    _, other = portal.accounts.create_api_token(theirs, "erp")
    assert client.get(f"/api/v1/uploads/{digest}", headers={"authorization": f"Bearer {other}"}).status_code == 404


def test_the_api_refuses_no_token_a_wrong_one_and_a_session_cookie(portal: Portal) -> None:
    email = portal.member_user("city-a", "a@city-a.example.jp")
    browser = portal.logged_in(email)
    assert browser.get("/api/v1/submissions").status_code == 401  # a session is not a token
    assert portal.client().get("/api/v1/submissions", headers={"authorization": "Bearer jk_nope"}).status_code == 401


def test_a_file_named_like_a_script_shows_as_text(portal: Portal) -> None:
    client = portal.logged_in(portal.member_user("city-a", "a@city-a.example.jp"))
    refused = _upload(client, [("<script>alert(1)</script>.csv", FLOWS_CSV)])  # '/' cannot be in a key
    assert refused.status_code == 400
    assert "<script>alert(1)</script>" not in refused.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.csv" in refused.text
    assert _upload(client, [("<b onmouseover=alert(1)>.csv", FLOWS_CSV)]).status_code == 303
    page = client.get("/member/files").text
    assert "<b onmouseover" not in page
    assert "&lt;b onmouseover=alert(1)&gt;.csv" in page
    assert "script-src 'self'" in client.get("/member/files").headers["content-security-policy"]


def test_uploads_above_the_count_or_size_limit_are_refused_with_a_clear_message(portal: Portal) -> None:
    client = portal.logged_in(portal.member_user("city-a", "a@city-a.example.jp"))
    too_many = _upload(client, [(f"{n}.csv", FLOWS_CSV) for n in range(3)])
    assert too_many.status_code == 413
    assert "3 ファイルは多すぎます" in too_many.text
    too_large = _upload(client, [("big.csv", FLOWS_CSV + b"x" * 4096)])
    assert too_large.status_code == 413
    assert "big.csv" in too_large.text
    assert "大きすぎます" in too_large.text
    assert list(portal.resources.storage.list("inbox/")) == []


def test_no_secret_in_a_page_log_or_error(portal: Portal, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    email = portal.member_user("city-a", "a@city-a.example.jp")
    client = portal.logged_in(email)
    form = csrf_from(client.get("/member/tokens").text)
    shown = client.post("/member/tokens", data={"csrftoken": form, "name": "erp"})
    secret = shown.text.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert secret.startswith("jk_")
    pages = [client.get(path).text for path in ("/member", "/member/tokens", "/member/files", "/member/upload")]
    wrong = post_form(portal.client(), "/login", "/login", {"email": email, "password": "hunter2 wrong"}).text
    user = portal.resources.ledger.user_by_email(email)
    assert user is not None
    for text in [*pages, wrong, caplog.text, repr(user)]:
        assert secret not in text
        assert PASSWORD not in text
        assert "hunter2" not in text
        assert "test-secret-of-the-portal" not in text
        assert user.password_hash is not None
        assert user.password_hash not in text
