"""The secretariat's side of the portal: members and their users, disclosure classes, the follow-up pack, releases.

Every route takes `SecretariatUser` (anyone else gets 403) and calls what the CLI calls: `Accounts.invite` as
`junkan members invite`, `record_disclosure` as `junkan members disclosure`, `followup_pack` and its renderers as
`junkan followup`, and the `release` flow as `junkan release` (started in the background: a release takes
minutes, and the ledger's run record says how it went). Joining applications are `flows.portal.joining`'s.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

import polars as pl
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from infra.ledger import Member, PortalUser
from infra.portal.accounts import AccountError
from infra.portal.auth import SecretariatUser
from infra.portal.i18n import Language
from infra.portal.web import flash, portal_state, redirect, render, request_language
from infra.settings import Settings
from schemas import vocabulary as v
from schemas.members import DISCLOSURE_DATASETS
from schemas.obligations import OBLIGATIONS
from schemas.regions import PREFECTURES

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
# The obligation statuses the members list counts, with their column headings.
OBLIGATION_STATUSES = {
    "met": "secretariat.obligations_met",
    "due": "secretariat.obligations_due",
    "overdue": "secretariat.obligations_overdue",
}
# The disclosure form's fields, by the name a problem gives.
DISCLOSURE_FIELDS = {
    "disclosure_class": "secretariat.field_disclosure_class",
    "consented_on": "secretariat.field_consented_on",
    "dataset": "secretariat.field_dataset",
}
FOLLOWUP_MEDIA = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The pack is a self-contained page with its own inline style and language switch; nothing else may run or load.
FOLLOWUP_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
)


def vocabulary(lang: Language) -> dict[str, dict[str, str]]:
    """Labels of the codes a page shows (kinds, obligations, disclosure classes, regions) in the page's language."""

    def by_code(terms: tuple[v.Term, ...]) -> dict[str, str]:
        return {term.code: term.label_en if lang == "en" else term.label_ja for term in terms}

    regions = {region.code: region.label_en if lang == "en" else region.label_ja for region in PREFECTURES}
    return {
        "kinds": by_code(v.MEMBER_KINDS),
        "obligations": by_code(OBLIGATIONS),
        "classes": by_code(v.DISCLOSURE_CLASSES),
        "regions": {**regions, "JP": "全国" if lang == "ja" else "All Japan"},
    }


def _page(
    request: Request, name: str, user: PortalUser, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    labels = vocabulary(request_language(request))
    return render(request, name, {"labels": labels, **context}, user=user, status_code=status_code)


def _member(request: Request, member_id: str) -> Member:
    member = portal_state(request).resources.ledger.get_member(member_id)
    if member is None:
        raise HTTPException(status_code=404)
    return member


# --- overview and members ----------------------------------------------------------------------------------------


@router.get("/secretariat")
def overview(request: Request, user: SecretariatUser) -> Response:
    """What waits for the secretariat: members, applications to decide, the pack and releases."""
    ledger = portal_state(request).resources.ledger
    context = {
        "n_members": len(ledger.list_members()),
        "n_waiting": len(ledger.join_applications(status="submitted")),
    }
    return _page(request, "secretariat/overview.html", user, context)


@router.get("/secretariat/members")
def members(request: Request, user: SecretariatUser) -> Response:
    """Every member: kind, region, joining date, disclosure class of flows today, obligations met, due, overdue."""
    from flows.stages.obligations import obligations_on

    resources = portal_state(request).resources
    listed = resources.ledger.list_members()  # read first: every member listed then has a class
    classes = resources.ledger.disclosure_classes(dataset="flows")
    obligations = obligations_on(resources, [("today", date.today())])
    statuses: dict[str, Counter[str]] = {member.member_id: Counter() for member in listed}
    if obligations.height:
        for member_id, status in obligations.select("member_id", "status").iter_rows():
            statuses.setdefault(member_id, Counter())[status] += 1
    rows = [(member, classes.get(member.member_id, ""), statuses[member.member_id]) for member in listed]
    return _page(request, "secretariat/members.html", user, {"rows": rows, "statuses": OBLIGATION_STATUSES})


def _member_page(
    request: Request, user: PortalUser, member: Member, *, status_code: int = 200, **extra: Any
) -> Response:
    ledger = portal_state(request).resources.ledger
    users = ledger.users(member_id=member.member_id)
    context = {
        "member": member,
        "users": users,
        "invitations": ledger.pending_invitations([one.user_id for one in users]),
        "emails": {one.user_id: one.email for one in users},
        "classes": {
            dataset: ledger.disclosure_class(member.member_id, dataset=dataset) for dataset in DISCLOSURE_DATASETS
        },
        "history": ledger.disclosure_history(member.member_id),
        "datasets": DISCLOSURE_DATASETS,
        "class_codes": v.DISCLOSURE_CLASS_CODES,
        "disclosure_fields": DISCLOSURE_FIELDS,
        "today": date.today().isoformat(),
        **extra,
    }
    return _page(request, "secretariat/member.html", user, context, status_code=status_code)


@router.get("/secretariat/members/{member_id}")
def member(request: Request, user: SecretariatUser, member_id: str) -> Response:
    """One member: its users, pending invitations and disclosure classes, with the forms that change them."""
    return _member_page(request, user, _member(request, member_id))


@router.post("/secretariat/members/{member_id}/invite")
def invite(
    request: Request, user: SecretariatUser, member_id: str, email: Annotated[str, Form(max_length=254)] = ""
) -> Response:
    """Invite a user of the member: the same one-time link as `junkan members invite`, shown once on this page."""
    found = _member(request, member_id)
    accounts = portal_state(request).accounts
    try:
        invited, token = accounts.invite(email, member_id=found.member_id, created_by=user.email)
    except AccountError as error:
        return _member_page(request, user, found, status_code=400, invite_error=error.code, invite_email=email)
    link = accounts.invitation_link(token)
    hours = portal_state(request).settings.portal_invitation_hours
    return _member_page(request, user, found, invited=invited.email, link=link, hours=f"{hours:g}")


def _members_user(request: Request, member_id: str, user_id: str) -> PortalUser:
    """A user of this member, or 404 (a user of another member or of the secretariat is not found here)."""
    found = portal_state(request).resources.ledger.get_user(user_id)
    if found is None or found.member_id != member_id:
        raise HTTPException(status_code=404)
    return found


@router.post("/secretariat/members/{member_id}/users/{user_id}/disable")
def disable_user(request: Request, user: SecretariatUser, member_id: str, user_id: str) -> Response:
    """Disable a member's user: its sessions and API tokens stop working at once."""
    _member(request, member_id)
    target = _members_user(request, member_id, user_id)
    disabled = portal_state(request).resources.ledger.disable_user(target.user_id)
    flash(request, "secretariat.user_disabled" if disabled else "secretariat.user_already_disabled")
    return redirect(f"/secretariat/members/{member_id}")


@router.post("/secretariat/members/{member_id}/invitations/{invitation_id}/revoke")
def revoke_invitation(request: Request, user: SecretariatUser, member_id: str, invitation_id: str) -> Response:
    """End a pending invitation of the member's users: its link stops working."""
    _member(request, member_id)
    ledger = portal_state(request).resources.ledger
    user_ids = [one.user_id for one in ledger.users(member_id=member_id)]
    if not ledger.revoke_invitation(invitation_id, user_ids=user_ids):
        raise HTTPException(status_code=404)
    flash(request, "secretariat.invitation_revoked")
    return redirect(f"/secretariat/members/{member_id}")


@router.post("/secretariat/members/{member_id}/disclosure")
def set_disclosure(
    request: Request,
    user: SecretariatUser,
    member_id: str,
    disclosure_class: Annotated[str, Form(max_length=32)] = "",
    consented_on: Annotated[str, Form(max_length=32)] = "",
    dataset: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Change the member's disclosure class from a day on, as `junkan members disclosure` does."""
    from flows.stages.members import record_disclosure

    found = _member(request, member_id)
    problems: dict[str, str] = {}
    if disclosure_class not in v.DISCLOSURE_CLASS_CODES:
        problems["disclosure_class"] = "secretariat.bad_disclosure_class"
    if dataset and dataset not in DISCLOSURE_DATASETS:
        problems["dataset"] = "secretariat.bad_dataset"
    try:
        day = date.fromisoformat(consented_on.strip())
    except ValueError:
        problems["consented_on"] = "secretariat.bad_consented_on"
    if problems:
        return _member_page(request, user, found, status_code=400, disclosure_problems=problems)
    ledger = portal_state(request).resources.ledger
    with ledger.batch():
        n_recorded = record_disclosure(
            ledger,
            found.member_id,
            disclosure_class,
            consented_on=day,
            datasets=(dataset,) if dataset else DISCLOSURE_DATASETS,
        )
    flash(request, "secretariat.disclosure_recorded" if n_recorded else "secretariat.disclosure_unchanged")
    return redirect(f"/secretariat/members/{member_id}")


# --- the follow-up pack ------------------------------------------------------------------------------------------


@router.get("/secretariat/followup")
def followup(request: Request, user: SecretariatUser) -> Response:
    """Pick the day the follow-up pack judges obligations on; view it or download its workbook."""
    return _page(request, "secretariat/followup.html", user, {"today": date.today().isoformat()})


@router.get("/secretariat/followup/go")
def followup_chosen(request: Request, user: SecretariatUser, as_of: str = "", format: str = "html") -> Response:  # noqa: A002
    """The pack on the day and in the format the form chose (a GET form: it works without JavaScript)."""
    return redirect(f"/secretariat/followup/{quote(as_of.strip(), safe='')}.{'xlsx' if format == 'xlsx' else 'html'}")


@router.get("/secretariat/followup/{as_of}.{extension}")
def followup_pack(request: Request, user: SecretariatUser, as_of: str, extension: str) -> Response:
    """The pack `junkan followup --as-of` writes: the HTML page to view, or the XLSX workbook to download."""
    from flows.stages.obligations import followup_pack as build_pack
    from infra.rendering.followup import build_followup_html, build_followup_workbook

    if extension not in FOLLOWUP_MEDIA:
        raise HTTPException(status_code=404)
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        context = {"today": date.today().isoformat(), "error": "followup.bad_date"}
        return _page(request, "secretariat/followup.html", user, context, status_code=400)
    pack = build_pack(portal_state(request).resources, as_of=day)
    name = f"followup-{day.isoformat()}.{extension}"
    if extension == "xlsx":
        headers = {"content-disposition": f'attachment; filename="{name}"'}
        return Response(build_followup_workbook(pack), media_type=FOLLOWUP_MEDIA[extension], headers=headers)
    html = build_followup_html(pack, language=request_language(request))
    headers = {"content-disposition": f'inline; filename="{name}"', "content-security-policy": FOLLOWUP_CSP}
    return Response(html, media_type=FOLLOWUP_MEDIA[extension], headers=headers)


# --- releases ----------------------------------------------------------------------------------------------------


def _release_state(request: Request) -> dict[str, Any]:
    """Periods that can be released, each period's latest release, and the release runs now running."""
    from flows.stages.release import releasable_periods, releases

    resources = portal_state(request).resources
    notes = releases(resources).filter(pl.col("table_name") == "all")
    latest = {row["period"]: row for row in notes.iter_rows(named=True)}  # sorted by release: the last one stays
    runs = resources.ledger.runs(kind="release")
    running = [run for run in runs if run.status == "running"]
    failed = runs[-1] if runs and runs[-1].status == "failed" else None
    return {"periods": releasable_periods(resources), "latest": latest, "running": running, "failed": failed}


@router.get("/secretariat/releases")
def release_list(request: Request, user: SecretariatUser) -> Response:
    """Every period with flows or releases, its latest release, and a release in progress."""
    return _page(request, "secretariat/releases.html", user, _release_state(request))


@router.get("/secretariat/releases/{period}")
def release_confirmation(request: Request, user: SecretariatUser, period: str) -> Response:
    """The confirmation step: what releasing the period changes, and the period typed again to go on."""
    state = _release_state(request)
    if period not in state["periods"]:
        raise HTTPException(status_code=404)
    previous = state["latest"].get(period)
    number = 1 if previous is None else previous["release"] + 1
    return _page(request, "secretariat/release_confirm.html", user, {**state, "period": period, "number": number})


@router.post("/secretariat/releases/{period}")
def release(
    request: Request, user: SecretariatUser, period: str, confirmation: Annotated[str, Form(max_length=32)] = ""
) -> Response:
    """Release one period through the `release` flow (as `junkan release PERIOD --by USER`), in the background."""
    state = _release_state(request)
    if period not in state["periods"]:
        raise HTTPException(status_code=404)
    if confirmation.strip() != period or state["running"]:
        previous = state["latest"].get(period)
        context = {
            **state,
            "period": period,
            "number": 1 if previous is None else previous["release"] + 1,
            "error": "releases.running" if state["running"] else "releases.confirm_mismatch",
        }
        return _page(request, "secretariat/release_confirm.html", user, context, status_code=400)
    start_release(portal_state(request).settings, [period], released_by=user.email)
    flash(request, "releases.started")
    return redirect("/secretariat/releases")


def start_release(settings: Settings, periods: list[str], *, released_by: str) -> threading.Thread:
    """Run the `release` flow in a thread of this process, as `junkan release` runs it in its own.

    The flow records its run in the ledger (running, then completed or failed): the releases page reads it there.
    """

    def run() -> None:
        from flows.runtime import use_prefect_server

        try:
            use_prefect_server(settings)
            from flows import pipeline
            from flows.runners import task_runner

            pipeline.release.with_options(task_runner=task_runner(settings))(periods, released_by)
        except Exception:
            logger.exception("the release of %s started on the portal failed", ", ".join(periods))

    thread = threading.Thread(target=run, name=f"release {' '.join(periods)}", daemon=True)
    thread.start()
    return thread
