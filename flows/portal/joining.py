"""Joining (参画申請): the public application form, and the secretariat's pages that approve or return applications.

The form needs no login and no JavaScript: the applicant picks its kind first (`/join`), then fills the form of
that kind (`/join/{kind}`), which lists the commitments of the kind to accept one by one. The secretariat's pages
take `SecretariatUser`. Both call `flows.stages.joining`, as `junkan members applications | approve | return` do.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from flows.portal.secretariat import vocabulary
from flows.stages.joining import (
    REGION_CODES,
    ApplicationForm,
    JoiningError,
    Problem,
    application_problems,
    approve_application,
    commitments,
    return_application,
    submit_application,
    suggested_member_id,
)
from infra.ledger import JoinApplication, PortalUser
from infra.ledger.session import now
from infra.portal.auth import SecretariatUser
from infra.portal.i18n import japan_time
from infra.portal.throttle import client_key
from infra.portal.web import flash, portal_state, redirect, render, request_language
from schemas import vocabulary as v

router = APIRouter(include_in_schema=False)
# The application's fields and the decision forms', by the name a problem gives (`flows.stages.joining`).
FIELDS = {
    "organisation_name": "join.field_organisation_name",
    "kind": "join.field_kind",
    "region": "join.field_region",
    "contact_name": "join.field_contact_name",
    "contact_email": "join.field_contact_email",
}
DECISION_FIELDS = {
    "application_id": "applications.field_application_id",
    "member_id": "applications.field_member_id",
    "joined_on": "applications.field_joined_on",
    "contact_email": "applications.field_contact_email",
    "note": "applications.field_note",
}
STATUSES = {
    "submitted": "applications.status_submitted",
    "approved": "applications.status_approved",
    "returned": "applications.status_returned",
}
LONGEST_FIELD = 300  # longer than any field may be: the form then says which one is too long


def _labels(request: Request) -> dict[str, dict[str, str]]:
    return vocabulary(request_language(request))


# --- the public application --------------------------------------------------------------------------------------


@router.get("/join")
def start(request: Request) -> Response:
    """Which kind of organisation applies: each kind with the commitments it makes on joining."""
    kinds = [(kind, commitments(kind)) for kind in v.MEMBER_KIND_CODES]
    return render(request, "joining/start.html", {"kinds": kinds, "labels": _labels(request)})


def _form_page(
    request: Request,
    kind: str,
    values: dict[str, Any],
    problems: dict[str, str],
    *,
    status_code: int = 200,
    refused: tuple[str, dict[str, object]] | None = None,
) -> Response:
    listed = commitments(kind)
    english = request_language(request) == "en"
    context = {
        "kind": kind,
        "commitments": listed,
        "commitment_labels": {
            f"commitment_{one.obligation}": one.label_en if english else one.label_ja for one in listed
        },
        "regions": REGION_CODES,
        "values": values,
        "problems": problems,
        "labels": _labels(request),
        "field_keys": FIELDS,
        **({"refused": refused} if refused else {}),
    }
    return render(request, "joining/form.html", context, status_code=status_code)


@router.get("/join/sent")
def sent(request: Request) -> Response:
    """What happens next, after an application was sent."""
    return render(request, "joining/sent.html")


@router.get("/join/{kind}")
def form(request: Request, kind: str) -> Response:
    """The application of one kind of organisation."""
    if kind not in v.MEMBER_KIND_CODES:
        raise HTTPException(status_code=404)
    empty = {name: "" for name in FIELDS}
    return _form_page(request, kind, {**empty, "accepted": []}, {})


@router.post("/join/{kind}")
def apply(
    request: Request,
    kind: str,
    organisation_name: Annotated[str, Form(max_length=LONGEST_FIELD)] = "",
    region: Annotated[str, Form(max_length=LONGEST_FIELD)] = "",
    contact_name: Annotated[str, Form(max_length=LONGEST_FIELD)] = "",
    contact_email: Annotated[str, Form(max_length=LONGEST_FIELD)] = "",
    commitment: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Send the application; a missing field or commitment shows the form again, saying which and what to do.

    A client address sends at most `portal_join_max_per_hour` applications an hour; one more is refused with 429
    (the form kept, saying when to send it again), so that a script cannot fill the secretariat's list.
    """
    if kind not in v.MEMBER_KIND_CODES:
        raise HTTPException(status_code=404)
    accepted = frozenset(commitment or ())
    application = ApplicationForm(organisation_name, kind, region, contact_name, contact_email, accepted)
    values = {
        "organisation_name": organisation_name,
        "region": region,
        "contact_name": contact_name,
        "contact_email": contact_email,
        "accepted": sorted(accepted),
    }
    problems = application_problems(application)
    if problems:
        return _refused_form(request, kind, values, problems)
    state = portal_state(request)
    until = state.join_throttle.admit(client_key(request.client.host if request.client else None))
    if until is not None:
        refused = ("join.too_many", {"n": state.settings.portal_join_max_per_hour, "until": japan_time(until)})
        response = _form_page(request, kind, values, {}, status_code=429, refused=refused)
        response.headers["retry-after"] = str(max(1, math.ceil((until - now()).total_seconds())))
        return response
    try:
        submit_application(state.resources.ledger, application)
    except JoiningError as error:
        return _refused_form(request, kind, values, error.problems)
    flash(request, "join.sent")
    return redirect("/join/sent")


def _refused_form(request: Request, kind: str, values: dict[str, Any], problems: list[Problem]) -> Response:
    found = {problem.field: problem.code for problem in problems}
    return _form_page(request, kind, values, found, status_code=400)


# --- the secretariat's decisions ---------------------------------------------------------------------------------


@router.get("/secretariat/applications")
def applications(request: Request, user: SecretariatUser) -> Response:
    """Applications to decide first, then those approved or returned."""
    listed = portal_state(request).resources.ledger.join_applications()
    waiting = [one for one in listed if one.status == "submitted"]
    decided = sorted(
        (one for one in listed if one.status != "submitted"), key=lambda one: one.decided_at or one.submitted_at
    )
    context = {"waiting": waiting, "decided": decided[::-1], "labels": _labels(request), "status_keys": STATUSES}
    return render(request, "secretariat/applications.html", context, user=user)


def _application(request: Request, application_id: str) -> JoinApplication:
    found = portal_state(request).resources.ledger.get_join_application(application_id)
    if found is None:
        raise HTTPException(status_code=404)
    return found


def _application_page(
    request: Request, user: PortalUser, application: JoinApplication, *, status_code: int = 200, **extra: Any
) -> Response:
    context = {
        "application": application,
        "commitments": commitments(application.kind),
        "labels": _labels(request),
        "member_id": suggested_member_id(application),
        "joined_on": date.today().isoformat(),
        "note": "",
        "problems": {},
        "status_keys": STATUSES,
        "field_keys": DECISION_FIELDS,
        **extra,
    }
    return render(request, "secretariat/application.html", context, user=user, status_code=status_code)


@router.get("/secretariat/applications/{application_id}")
def application(request: Request, user: SecretariatUser, application_id: str) -> Response:
    """One application: what the organisation wrote and accepted, and the forms to approve or return it."""
    return _application_page(request, user, _application(request, application_id))


@router.post("/secretariat/applications/{application_id}/approve")
def approve(
    request: Request,
    user: SecretariatUser,
    application_id: str,
    member_id: Annotated[str, Form(max_length=LONGEST_FIELD)] = "",
    joined_on: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Register the organisation as a member from its joining date and show its contact's invitation link once."""
    found = _application(request, application_id)
    state = portal_state(request)
    try:
        day = date.fromisoformat(joined_on.strip())
    except ValueError:
        problems = {"joined_on": "applications.bad_joined_on"}
        return _application_page(
            request, user, found, status_code=400, member_id=member_id, joined_on=joined_on, problems=problems
        )
    try:
        approval = approve_application(
            state.resources, state.accounts, application_id, member_id=member_id, joined_on=day, decided_by=user.email
        )
    except JoiningError as error:  # shown with the application as it is now (decided meanwhile, perhaps)
        problems = {problem.field: problem.code for problem in error.problems}
        current = _application(request, application_id)
        return _application_page(
            request, user, current, status_code=400, member_id=member_id, joined_on=joined_on, problems=problems
        )
    hours = f"{state.settings.portal_invitation_hours:g}"
    context = {"approval": approval, "labels": _labels(request), "hours": hours}
    return render(request, "secretariat/approved.html", context, user=user)


@router.post("/secretariat/applications/{application_id}/return")
def send_back(
    request: Request,
    user: SecretariatUser,
    application_id: str,
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Return the application unapproved, with a note saying what the organisation should change."""
    _application(request, application_id)  # 404 for an unknown one
    try:
        return_application(portal_state(request).resources.ledger, application_id, note=note, decided_by=user.email)
    except JoiningError as error:  # shown with the application as it is now (decided meanwhile, perhaps)
        problems = {problem.field: problem.code for problem in error.problems}
        current = _application(request, application_id)
        return _application_page(request, user, current, status_code=400, note=note, problems=problems)
    flash(request, "applications.returned")
    return redirect(f"/secretariat/applications/{application_id}")
