"""The members' pages: overview, templates, uploads, submissions and their reports, withdrawal, own data, tokens.

Every route takes the user from `MemberUser` and reads `user.member_id`: a submission or token id in a URL is
looked up within that member and answered 404 when it is another's, as when it does not exist.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from flows.stages import member_page
from flows.stages.uploads import RunStarter, Upload, UploadRefused, put_uploads
from infra.portal.auth import MemberUser
from infra.portal.i18n import translate
from infra.portal.web import flash, portal_state, redirect, render, request_language
from infra.rendering.workbook_templates import template_bytes, template_file_name
from infra.resources import Resources
from infra.settings import Settings
from schemas.datasets import MEMBER_DATASETS
from schemas.obligations import OBLIGATIONS
from schemas.templates import template_for

router = APIRouter(include_in_schema=False)
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
MULTIPART_OVERHEAD = 64 * 1024
# The disclosure preview is a page a run renders on its own (inline style, no script): served with a policy that lets
# nothing run and nothing load, rather than the portal's, which would drop its style.
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def runs(request: Request) -> RunStarter:
    """The background `junkan run` of this portal."""
    starter: RunStarter = request.app.state.runs
    return starter


def _resources(request: Request) -> Resources:
    return portal_state(request).resources


def _member_name(resources: Resources, member_id: str) -> str:
    member = resources.ledger.get_member(member_id)
    return member.name if member else member_id


@router.get("/member")
def overview(request: Request, user: MemberUser) -> Response:
    """The member's page: recent files and where each stands, and where to go next."""
    resources = _resources(request)
    assert user.member_id is not None  # noqa: S101 - MemberUser
    files = member_page.member_files(resources, user.member_id)[:10]
    name = _member_name(resources, user.member_id)
    return render(request, "member/overview.html", {"files": files, "member_name": name}, user=user)


@router.get("/member/templates")
def templates_page(request: Request, user: MemberUser) -> Response:
    """Every dataset's template, in Excel and CSV."""
    return render(request, "member/templates.html", {"datasets": MEMBER_DATASETS}, user=user)


@router.get("/member/templates/{dataset}.{file_format}")
def template_download(request: Request, user: MemberUser, dataset: str, file_format: str) -> Response:
    """A template with the member's id filled in (`junkan template DATASET --member M`)."""
    if dataset not in MEMBER_DATASETS or file_format not in CONTENT_TYPES:
        raise HTTPException(status_code=404)
    content = template_for(dataset, member_id=user.member_id, today=date.today())
    name = template_file_name(content, file_format)  # type: ignore[arg-type]
    data = template_bytes(content, file_format)  # type: ignore[arg-type]
    disposition = f"attachment; filename=\"{dataset}.{file_format}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(data, media_type=CONTENT_TYPES[file_format], headers={"content-disposition": disposition})


@router.get("/member/upload")
def upload_page(request: Request, user: MemberUser) -> Response:
    """The upload form."""
    return _upload_form(request, user)


def _upload_form(
    request: Request, user: MemberUser, *, error: tuple[str, dict[str, object]] | None = None, status_code: int = 200
) -> Response:
    settings = portal_state(request).settings
    context: dict[str, Any] = {
        "datasets": MEMBER_DATASETS,
        "most": settings.portal_max_upload_files,
        "most_mb": settings.portal_max_upload_bytes / (1 << 20),
    }
    if error is not None:
        context["error"] = error
    return render(request, "member/upload.html", context, user=user, status_code=status_code)


def too_large(request: Request, settings: Settings) -> bool:
    """Whether the request says it is larger than the most files of the largest size (refused before reading)."""
    length = request.headers.get("content-length")
    most = settings.portal_max_upload_files * (settings.portal_max_upload_bytes + MULTIPART_OVERHEAD)
    return length is not None and length.isdigit() and int(length) > most


async def read_files(files: list[UploadFile], settings: Settings) -> list[tuple[str, bytes]]:
    """The uploaded files' names and bytes, reading no file past the size limit (the check then names it)."""
    read = []
    for file in files:
        if not file.filename:
            continue
        data = await file.read(settings.portal_max_upload_bytes + 1)
        read.append((file.filename, data))
    return read


def upload_files(request: Request, member_id: str, files: list[tuple[str, bytes]], dataset: str | None) -> list[Upload]:
    """Put the files in the inbox and, on a local installation, start the run that ingests them."""
    state = portal_state(request)
    uploads = put_uploads(state.resources, member_id, files, dataset=dataset)
    if state.settings.portal_ingest == "run":
        runs(request).request()
    return uploads


@router.post("/member/upload")
async def upload(
    request: Request,
    user: MemberUser,
    files: Annotated[list[UploadFile], File()],
    dataset: Annotated[str, Form()] = "auto",
) -> Response:
    """Receive one or several files into the member's inbox, then show where they stand."""
    settings = portal_state(request).settings
    assert user.member_id is not None  # noqa: S101 - MemberUser
    if too_large(request, settings):
        error: tuple[str, dict[str, object]] = (
            "upload.request_too_large",
            {"most": settings.portal_max_upload_files, "most_mb": settings.portal_max_upload_bytes / (1 << 20)},
        )
        return _upload_form(request, user, error=error, status_code=413)
    read = await read_files(files, settings)
    try:
        uploads = await asyncio.to_thread(
            upload_files, request, user.member_id, read, None if dataset == "auto" else dataset
        )
    except UploadRefused as refused:
        status_code = 413 if refused.code in ("upload.too_many", "upload.too_large") else 400
        return _upload_form(request, user, error=(refused.code, dict(refused.fields)), status_code=status_code)
    flash(request, "upload.done", n=len(uploads))
    return redirect("/member/files")


@router.get("/member/files")
def files_page(request: Request, user: MemberUser) -> Response:
    """Every file of the member and where it stands; the page's script refreshes the statuses."""
    assert user.member_id is not None  # noqa: S101 - MemberUser
    files = member_page.member_files(_resources(request), user.member_id)
    return render(request, "member/files.html", {"files": files}, user=user)


@router.get("/member/files/status.json")
def files_status(request: Request, user: MemberUser) -> Response:
    """Where each of the member's files stands, for the page's script."""
    assert user.member_id is not None  # noqa: S101 - MemberUser
    lang = request_language(request)
    files = member_page.member_files(_resources(request), user.member_id)
    return JSONResponse(
        {"files": [{**one.as_json(), "stage_label": translate(f"stage.{one.stage}", lang)} for one in files]}
    )


@router.get("/member/files/{submission_id}")
def report_page(request: Request, user: MemberUser, submission_id: str) -> Response:
    """A file's report: counts, every problem with row, column and what to do, what it replaced or adds to."""
    assert user.member_id is not None  # noqa: S101 - MemberUser
    resources = _resources(request)
    submission = member_page.member_submission(resources, user.member_id, submission_id)
    if submission is None:
        raise HTTPException(status_code=404)
    status = member_page.file_status(resources, submission)
    report = member_page.submission_report(resources, submission)
    has_preview = member_page.stored_preview_key(resources, submission) is not None
    context = {"file": status, "report": report, "submission_id": submission_id, "has_preview": has_preview}
    return render(request, "member/report.html", context, user=user)


@router.get("/member/files/{submission_id}/preview")
def preview_page(request: Request, user: MemberUser, submission_id: str) -> Response:
    """The file's disclosure preview: which of the member's cells the next release would publish, which withhold."""
    assert user.member_id is not None  # noqa: S101 - MemberUser
    resources = _resources(request)
    submission = member_page.member_submission(resources, user.member_id, submission_id)
    key = None if submission is None else member_page.stored_preview_key(resources, submission)
    if key is None:
        raise HTTPException(status_code=404)
    return HTMLResponse(resources.storage.get_bytes(key), headers={"content-security-policy": PREVIEW_POLICY})


@router.post("/member/files/{submission_id}/withdraw")
def withdraw(request: Request, user: MemberUser, submission_id: str) -> Response:
    """Take a file back: its rows leave the core tables at the next run, which starts now."""
    assert user.member_id is not None  # noqa: S101 - MemberUser
    resources = _resources(request)
    submission = member_page.member_submission(resources, user.member_id, submission_id)
    if submission is None:
        raise HTTPException(status_code=404)
    withdrawn = resources.ledger.withdraw([submission_id], message=f"withdrawn in the portal by {user.email}")
    if withdrawn:
        runs(request).request()
    flash(request, "report.withdrawn" if withdrawn else "report.cannot_withdraw")
    return redirect(f"/member/files/{submission_id}")


@router.get("/member/data")
def data_page(request: Request, user: MemberUser) -> Response:
    """Obligations and due dates, targets and progress, indicators beside the published figures."""
    assert user.member_id is not None  # noqa: S101 - MemberUser
    resources = _resources(request)
    member = resources.ledger.get_member(user.member_id)
    region = member.region if member else "all"
    kind = member.kind if member else "all"
    lang = request_language(request)
    context = {
        "obligations": member_page.member_obligations(resources, user.member_id).to_dicts(),
        "obligation_labels": {term.code: term.label_en if lang == "en" else term.label_ja for term in OBLIGATIONS},
        "targets": member_page.targets_beside_kind(resources, user.member_id, kind).to_dicts(),
        "indicators": member_page.indicators_beside_published(resources, user.member_id, region).to_dicts(),
    }
    return render(request, "member/data.html", context, user=user)


@router.get("/member/tokens")
def tokens_page(request: Request, user: MemberUser) -> Response:
    """The member's API tokens (never their secrets, except once when made)."""
    assert user.member_id is not None  # noqa: S101 - MemberUser
    return _tokens(request, user, secret=None)


def _tokens(request: Request, user: MemberUser, *, secret: str | None) -> Response:
    assert user.member_id is not None  # noqa: S101 - MemberUser
    tokens = _resources(request).ledger.api_tokens(user.member_id)
    return render(request, "member/tokens.html", {"tokens": tokens, "secret": secret}, user=user)


@router.post("/member/tokens")
def create_token(request: Request, user: MemberUser, name: Annotated[str, Form(max_length=200)]) -> Response:
    """Make a token; its secret is shown in this answer only (never kept, never in a cookie)."""
    from infra.portal.accounts import AccountError

    try:
        _, secret = portal_state(request).accounts.create_api_token(user, name)
    except AccountError as error:
        flash(request, error.code)
        return redirect("/member/tokens")
    return _tokens(request, user, secret=secret)


@router.post("/member/tokens/{token_id}/revoke")
def revoke_token(request: Request, user: MemberUser, token_id: str) -> Response:
    """Revoke one of the member's tokens."""
    assert user.member_id is not None  # noqa: S101 - MemberUser
    if not _resources(request).ledger.revoke_api_token(token_id, member_id=user.member_id):
        raise HTTPException(status_code=404)
    flash(request, "tokens.revoked")
    return redirect("/member/tokens")
