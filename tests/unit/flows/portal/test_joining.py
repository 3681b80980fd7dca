"""Joining: the public application names every missing field and commitment; the secretariat approves it into a
member (its joining date, an invitation that works) or returns it with a note; what an applicant typed shows as
text, never as markup."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from infra.portal.messages import MESSAGES
from tests.portal_helpers import PASSWORD, Portal, make_portal, post_form

SECRETARIAT = "office@junkan.example.jp"
COMMITMENTS = {
    "municipality": ["target_set", "target_published", "follow_up", "plan_includes_target"],
    "university": ["project_started", "results_disclosed"],
}
SCRIPT = "<script>alert('x')</script>町"


@pytest.fixture
def portal(tmp_path: Path) -> Portal:
    made = make_portal(tmp_path)
    _, token = made.accounts.invite(SECRETARIAT, member_id=None, created_by="test")
    made.accounts.accept_invitation(token, PASSWORD, PASSWORD)
    return made


def application(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "organisation_name": "北九州市",
        "region": "JP-40",
        "contact_name": "環境 太郎",
        "contact_email": "kankyo@city.kitakyushu.example.lg.jp",
        "commitment": COMMITMENTS["municipality"],
    }
    return {**fields, **overrides}


def apply(portal: Portal, kind: str = "municipality", **overrides: object) -> object:
    return post_form(portal.client(), f"/join/{kind}", f"/join/{kind}", application(**overrides))  # type: ignore[arg-type]


def test_the_form_of_a_kind_shows_the_commitments_of_that_kind(portal: Portal) -> None:
    page = portal.client().get("/join/university").text
    assert re.findall(r'name="commitment" id="[a-z_]+" value="([a-z_]+)"', page) == COMMITMENTS["university"]
    assert "循環経済プロジェクトの実施・参加" in page
    assert "参画から 12 か月以内" in page
    municipality = portal.client().get("/join/municipality").text
    assert "次回の環境基本計画の改定時" in municipality
    assert portal.client().get("/join/ministry").status_code == 404


def test_a_sent_application_waits_for_the_secretariat(portal: Portal) -> None:
    sent = apply(portal)
    assert sent.status_code == 303  # type: ignore[attr-defined]
    assert sent.headers["location"] == "/join/sent"  # type: ignore[attr-defined]
    [waiting] = portal.resources.ledger.join_applications(status="submitted")
    assert (waiting.organisation_name, waiting.kind, waiting.region) == ("北九州市", "municipality", "JP-40")
    assert waiting.contact_email == "kankyo@city.kitakyushu.example.lg.jp"


@pytest.mark.parametrize(
    ("overrides", "field", "label", "message"),
    [
        ({"commitment": COMMITMENTS["municipality"][:-1]}, "commitment_plan_includes_target",
         "参画要件「環境基本計画への目標の記載」", "join.missing_commitment"),
        ({"organisation_name": "  "}, "organisation_name", "団体名", "join.missing_organisation_name"),
        ({"region": "Tokyo"}, "region", "所在地（都道府県）", "join.bad_region"),
        ({"contact_name": ""}, "contact_name", "担当者名", "join.missing_contact_name"),
        ({"contact_email": "kankyo at city"}, "contact_email", "担当者のメールアドレス", "join.bad_contact_email"),
    ],
)  # fmt: skip
def test_an_application_missing_a_commitment_or_a_field_is_refused_naming_it(
    portal: Portal, overrides: dict[str, object], field: str, label: str, message: str
) -> None:
    refused = apply(portal, **overrides)

    assert refused.status_code == 400  # type: ignore[attr-defined]
    text = refused.text  # type: ignore[attr-defined]
    assert f'<li><a href="#{field}">{label}</a>: {MESSAGES[message][0]}</li>' in text
    assert f'id="{field}-error">{MESSAGES[message][0]}<' in text  # beside the field too
    assert portal.resources.ledger.join_applications() == []
    assert 'value="北九州市"' in text or field == "organisation_name"  # what was typed is kept


def test_the_application_form_speaks_english_on_request(portal: Portal) -> None:
    client = portal.client()
    client.get("/lang/en?next=/join/university")
    refused = post_form(client, "/join/university", "/join/university", application(commitment=["project_started"]))
    assert refused.status_code == 400
    assert "Commitment “Project results disclosed and submitted”" in refused.text
    assert MESSAGES["join.missing_commitment"][1] in refused.text


def test_an_application_without_its_csrf_token_is_refused(portal: Portal) -> None:
    client = portal.client()
    client.get("/join/municipality")
    refused = client.post("/join/municipality", data=application())  # type: ignore[arg-type]
    assert refused.status_code == 403
    assert portal.resources.ledger.join_applications() == []


def test_approving_makes_the_member_from_its_joining_date_and_its_contact_can_log_in(portal: Portal) -> None:
    apply(portal)
    [waiting] = portal.resources.ledger.join_applications()
    client = portal.logged_in(SECRETARIAT)
    page = f"/secretariat/applications/{waiting.application_id}"

    approved = post_form(client, page, f"{page}/approve", {"member_id": "city-kitakyushu", "joined_on": "2025-10-01"})

    assert approved.status_code == 200
    member = portal.resources.ledger.get_member("city-kitakyushu")
    assert member is not None
    assert (member.name, member.kind, member.region, member.joined_on) == (
        "北九州市",
        "municipality",
        "JP-40",
        date(2025, 10, 1),
    )
    decided = portal.resources.ledger.get_join_application(waiting.application_id)
    assert decided is not None
    assert (decided.status, decided.member_id, decided.decided_by) == ("approved", "city-kitakyushu", SECRETARIAT)
    # its obligations start on the joining date: the one-year ones are due a year after it
    members = client.get("/secretariat/members").text
    assert re.search(r"city-kitakyushu.*?2025-10-01", members, re.DOTALL)

    [link] = re.findall(r'class="secret">([^<]+)<', approved.text)
    invitation = link.removeprefix(portal.settings.resolved_portal_url)
    contact = portal.client()
    done = post_form(contact, invitation, invitation, {"password": PASSWORD, "confirmation": PASSWORD})
    assert done.status_code == 303
    logged_in = post_form(
        contact, "/login", "/login", {"email": "kankyo@city.kitakyushu.example.lg.jp", "password": PASSWORD}
    )
    assert logged_in.status_code == 303
    assert contact.get("/").headers["location"] == "/member"
    user = portal.resources.ledger.user_by_email("kankyo@city.kitakyushu.example.lg.jp")
    assert user is not None
    assert user.member_id == "city-kitakyushu"

    again = post_form(client, page, f"{page}/approve", {"member_id": "city-kitakyushu-2", "joined_on": "2025-10-01"})
    assert again.status_code == 400
    assert MESSAGES["applications.already_decided"][0] in again.text


def test_approving_with_an_id_already_taken_is_refused_naming_the_field(portal: Portal) -> None:
    apply(portal)
    [waiting] = portal.resources.ledger.join_applications()
    client = portal.logged_in(SECRETARIAT)
    page = f"/secretariat/applications/{waiting.application_id}"
    refused = post_form(client, page, f"{page}/approve", {"member_id": "city-a", "joined_on": "2025-10-01"})
    assert refused.status_code == 400
    assert f'<a href="#member_id">会員ID</a>: {MESSAGES["applications.member_exists"][0]}' in refused.text
    assert portal.resources.ledger.get_member("city-a").name == "A市"  # type: ignore[union-attr]
    assert portal.resources.ledger.join_applications(status="submitted") == [waiting]


def test_returning_keeps_the_application_unapproved_with_its_note_visible(portal: Portal) -> None:
    apply(portal)
    [waiting] = portal.resources.ledger.join_applications()
    client = portal.logged_in(SECRETARIAT)
    page = f"/secretariat/applications/{waiting.application_id}"

    empty = post_form(client, page, f"{page}/return", {"note": " "})
    assert empty.status_code == 400
    assert MESSAGES["applications.missing_note"][0] in empty.text
    note = "連絡先を部署の共有アドレスにして、もう一度申請してください。<b>"
    returned = post_form(client, page, f"{page}/return", {"note": note})
    assert returned.status_code == 303

    decided = portal.resources.ledger.get_join_application(waiting.application_id)
    assert decided is not None
    assert (decided.status, decided.member_id, decided.note) == ("returned", None, note)
    assert portal.resources.ledger.get_member("city-kitakyushu") is None
    shown = client.get(page).text
    assert "連絡先を部署の共有アドレスにして、もう一度申請してください。&lt;b&gt;" in shown
    assert 'action="' + page + '/approve"' not in shown  # decided: no more forms
    assert "連絡先を部署の共有アドレスにして" in client.get("/secretariat/applications").text


def test_an_organisation_name_with_markup_shows_as_text_everywhere(portal: Portal) -> None:
    apply(portal, organisation_name=SCRIPT, contact_name="<img src=x onerror=alert(1)>")
    [waiting] = portal.resources.ledger.join_applications()
    assert waiting.organisation_name == SCRIPT
    client = portal.logged_in(SECRETARIAT)
    page = f"/secretariat/applications/{waiting.application_id}"
    approved = post_form(client, page, f"{page}/approve", {"member_id": "town-x", "joined_on": "2025-10-01"})
    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;町"
    for html in (
        client.get("/secretariat/applications").text,
        client.get(page).text,
        approved.text,
        client.get("/secretariat/members").text,
        client.get("/secretariat/members/town-x").text,
    ):
        assert escaped in html
        assert "<script>" not in html
        assert "<img src=x" not in html
    refused = apply(portal, organisation_name=SCRIPT, contact_email="bad")
    assert 'value="&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;町"' in refused.text  # type: ignore[attr-defined]


def test_every_joining_decision_without_its_csrf_token_is_refused(portal: Portal) -> None:
    apply(portal)
    [waiting] = portal.resources.ledger.join_applications()
    client = portal.logged_in(SECRETARIAT)
    page = f"/secretariat/applications/{waiting.application_id}"
    client.get(page)
    for action, fields in (("approve", {"member_id": "city-k", "joined_on": "2025-10-01"}), ("return", {"note": "n"})):
        assert client.post(f"{page}/{action}", data=fields).status_code == 403
    assert portal.resources.ledger.join_applications(status="submitted") == [waiting]
    assert portal.resources.ledger.get_member("city-k") is None


def test_the_cli_lists_approves_and_returns_applications_as_the_portal_does(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer
    from typer.testing import CliRunner

    from flows import runtime
    from flows.cli import members as cli_members

    monkeypatch.setenv("JUNKAN_HOME", str(portal.settings.home))
    monkeypatch.setenv("JUNKAN_PORTAL_SECRET_KEY", "test-secret-of-the-portal")
    monkeypatch.setattr(runtime, "prepare_environment", lambda settings: None)
    apply(portal)
    apply(portal, organisation_name="C大学", contact_email="ce@c-univ.example.ac.jp", commitment=[], kind="university")
    assert len(portal.resources.ledger.join_applications()) == 1  # the second lacked its commitments
    apply(portal, kind="university", organisation_name="C大学", contact_email="ce@c-univ.example.ac.jp",
          commitment=COMMITMENTS["university"])  # fmt: skip
    first, second = portal.resources.ledger.join_applications()
    app = typer.Typer()
    app.command("noop")(lambda: None)
    cli_members.register(app)

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(app, ["members", *args], env={"COLUMNS": "200"})
        return result.exit_code, result.stdout, result.stderr

    code, listed, _ = run("applications", "--status", "submitted")
    assert code == 0
    assert [line.split("\t")[:3] for line in listed.splitlines()] == [
        [first.application_id, "submitted", "municipality"],
        [second.application_id, "submitted", "university"],
    ]
    code, out, _ = run("approve", first.application_id, "city-kitakyushu", "--joined-on", "2025-10-01", "--by", "cli")
    assert code == 0, out
    assert "registered city-kitakyushu (municipality, JP-40), joined 2025-10-01" in out
    link = out.strip().splitlines()[-1]
    assert portal.client().get(link.removeprefix(portal.settings.resolved_portal_url)).status_code == 200
    code, _, err = run("approve", second.application_id, "City K", "--by", "cli")
    assert code == 2
    assert f"member_id: {MESSAGES['applications.bad_member_id'][1]}" in err
    code, _, _ = run("return", second.application_id, "--note", "Please name the project.", "--by", "cli")
    assert code == 0
    returned = portal.resources.ledger.get_join_application(second.application_id)
    assert returned is not None
    assert (returned.status, returned.note, returned.decided_by) == ("returned", "Please name the project.", "cli")


# --- two decisions of one application (issue 29's leftovers) -------------------------------------------------------


def decide(portal: Portal, application_id: str, decision: str, member_id: str) -> object:
    """One secretariat user's decision through the same stage as the portal's pages and the CLI."""
    from flows.stages.joining import approve_application, return_application

    if decision == "approve":
        return approve_application(
            portal.resources,
            portal.accounts,
            application_id,
            member_id=member_id,
            joined_on=date(2025, 10, 1),
            decided_by=f"{member_id}@secretariat",
        )
    return return_application(portal.resources.ledger, application_id, note="部署の共有アドレスで", decided_by="b")


@pytest.mark.parametrize(
    ("first", "second"), [("approve", "approve"), ("approve", "return"), ("return", "approve"), ("return", "return")]
)
def test_a_second_decision_of_an_application_is_refused_and_changes_nothing(
    portal: Portal, first: str, second: str
) -> None:
    from flows.stages.joining import JoiningError, Problem

    apply(portal)
    [waiting] = portal.resources.ledger.join_applications()
    decide(portal, waiting.application_id, first, "city-kitakyushu")
    decided = portal.resources.ledger.get_join_application(waiting.application_id)
    members = portal.resources.ledger.list_members()
    users = portal.resources.ledger.users()

    with pytest.raises(JoiningError) as refused:
        decide(portal, waiting.application_id, second, "city-kitakyushu-2")

    assert refused.value.problems == [Problem("application_id", "applications.already_decided")]
    assert portal.resources.ledger.get_join_application(waiting.application_id) == decided
    assert portal.resources.ledger.list_members() == members  # at most the first decision's member
    assert portal.resources.ledger.users() == users
    assert portal.resources.ledger.get_member("city-kitakyushu-2") is None


def test_two_secretariat_users_approving_at_once_make_one_member(portal: Portal) -> None:
    import threading

    from flows.stages.joining import Approval, JoiningError

    apply(portal)
    [waiting] = portal.resources.ledger.join_applications()
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def approve_as(member_id: str) -> None:
        start.wait()
        try:
            outcomes[member_id] = decide(portal, waiting.application_id, "approve", member_id)
        except JoiningError as error:
            outcomes[member_id] = [problem.code for problem in error.problems]

    threads = [threading.Thread(target=approve_as, args=(one,)) for one in ("city-k-1", "city-k-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    [winner] = [one for one, outcome in outcomes.items() if isinstance(outcome, Approval)]
    [loser] = [one for one in outcomes if one != winner]
    assert outcomes[loser] == ["applications.already_decided"]
    assert portal.resources.ledger.get_member(winner) is not None
    assert portal.resources.ledger.get_member(loser) is None
    decided = portal.resources.ledger.get_join_application(waiting.application_id)
    assert decided is not None
    assert (decided.status, decided.member_id, decided.decided_by) == ("approved", winner, f"{winner}@secretariat")


def test_a_decision_from_a_page_opened_before_another_users_is_refused_saying_so(portal: Portal) -> None:
    from tests.portal_helpers import csrf_from

    apply(portal)
    [waiting] = portal.resources.ledger.join_applications()
    _, token = portal.accounts.invite("second@junkan.example.jp", member_id=None, created_by="test")
    portal.accounts.accept_invitation(token, PASSWORD, PASSWORD)
    first, second = portal.logged_in(SECRETARIAT), portal.logged_in("second@junkan.example.jp")
    page = f"/secretariat/applications/{waiting.application_id}"
    stale = csrf_from(second.get(page).text)  # both have the page open, with its forms
    approved = post_form(first, page, f"{page}/approve", {"member_id": "city-kitakyushu", "joined_on": "2025-10-01"})
    assert approved.status_code == 200

    returned = second.post(f"{page}/return", data={"csrftoken": stale, "note": "連絡先を直してください。"})
    second.get(f"/lang/en?next={page}")
    in_english = second.post(
        f"{page}/approve", data={"csrftoken": stale, "member_id": "city-k-2", "joined_on": "2025-10-01"}
    )

    assert (returned.status_code, in_english.status_code) == (400, 400)
    assert MESSAGES["applications.already_decided"][0] in returned.text
    assert MESSAGES["applications.already_decided"][1] in in_english.text
    assert "状態: 承認済み (city-kitakyushu)" in returned.text  # the page as it is now, without its forms
    assert f'action="{page}/return"' not in returned.text
    decided = portal.resources.ledger.get_join_application(waiting.application_id)
    assert decided is not None
    assert (decided.status, decided.member_id, decided.note, decided.decided_by) == (
        "approved",
        "city-kitakyushu",
        None,
        SECRETARIAT,
    )
    assert portal.resources.ledger.get_member("city-k-2") is None
