"""The API for members' systems (`/api/v1`): submit files, follow them, read reports, templates and own data.

Token authentication only (`Authorization: Bearer jk_…`, tokens made on the portal's API tokens page); every
answer is about the token's member, whatever id a URL names. The OpenAPI schema is served at /api/openapi.json.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from flows.portal.members import CONTENT_TYPES, read_files, too_large, upload_files
from flows.stages import member_page
from flows.stages.uploads import UploadRefused
from infra.portal.auth import ApiUser
from infra.portal.i18n import translate
from infra.portal.web import portal_state
from infra.rendering.workbook_templates import template_bytes
from schemas.datasets import MEMBER_DATASETS
from schemas.templates import template_for

router = APIRouter(prefix="/api/v1", tags=["members"])


def _member(user: ApiUser) -> str:
    assert user.member_id is not None  # noqa: S101 - tokens belong to members' users
    return user.member_id


def _refused(refused: UploadRefused) -> JSONResponse:
    status_code = 413 if refused.code in ("upload.too_many", "upload.too_large", "upload.request_too_large") else 400
    return JSONResponse(
        {
            "detail": translate(refused.code, "en", **refused.fields),
            "detail_ja": translate(refused.code, "ja", **refused.fields),
            "code": refused.code,
        },
        status_code=status_code,
    )


@router.post("/submissions", status_code=202, summary="Submit one or several files")
async def submit(
    request: Request,
    user: ApiUser,
    files: Annotated[list[UploadFile], File(description="CSV, XLSX, Parquet or JSON Lines files")],
    dataset: Annotated[str | None, Form(description="flows, targets, …; omitted: recognised from the header")] = None,
) -> Response:
    """Put the files in the member's inbox; poll `GET /api/v1/uploads/{sha256}` until `is_final`."""
    settings = portal_state(request).settings
    if too_large(request, settings):
        most_mb = settings.portal_max_upload_bytes / (1 << 20)
        return _refused(
            UploadRefused("upload.request_too_large", most=settings.portal_max_upload_files, most_mb=most_mb)
        )
    read = await read_files(files, settings)
    try:
        uploads = await asyncio.to_thread(upload_files, request, _member(user), read, dataset)
    except UploadRefused as refused:
        return _refused(refused)
    return JSONResponse(
        {
            "uploads": [
                {
                    "file_name": one.file_name,
                    "dataset": one.dataset,
                    "sha256": one.sha256,
                    "size": one.size,
                    "status_url": f"/api/v1/uploads/{one.sha256}",
                }
                for one in uploads
            ]
        },
        status_code=202,
    )


@router.get("/uploads/{sha256}", summary="Where an uploaded file stands")
def upload_status(request: Request, user: ApiUser, sha256: str) -> dict[str, Any]:
    """The file's stage (received → validated → in_draft → released), counts and submission id once recorded."""
    resources = portal_state(request).resources
    files = member_page.member_files(resources, _member(user))
    found = next((one for one in files if one.sha256 == sha256), None)
    if found is not None:
        return found.as_json()
    # Not recorded yet: received if a file of the member with that digest waits in its inbox.
    if sha256.lower() in member_page.waiting_sha256s(resources, _member(user)):
        return {"sha256": sha256, "stage": "received", "is_final": False, "submission_id": None}
    raise HTTPException(status_code=404, detail="no upload of this member with that sha256")


@router.get("/submissions", summary="The member's files and where each stands")
def submissions(request: Request, user: ApiUser) -> dict[str, Any]:
    """Newest first; files not yet recorded have no submission id."""
    files = member_page.member_files(portal_state(request).resources, _member(user))
    return {"submissions": [one.as_json() for one in files]}


@router.get("/submissions/{submission_id}", summary="One submission's status")
def submission(request: Request, user: ApiUser, submission_id: str) -> dict[str, Any]:
    """404 for an id that is not one of the member's submissions."""
    resources = portal_state(request).resources
    found = member_page.member_submission(resources, _member(user), submission_id)
    if found is None:
        raise HTTPException(status_code=404, detail="no submission of this member with that id")
    return member_page.file_status(resources, found).as_json()


@router.get("/submissions/{submission_id}/report", summary="A submission's member report")
def report(request: Request, user: ApiUser, submission_id: str) -> dict[str, Any]:
    """Counts, every problem with row, column and what to do, and what the file replaced or adds to."""
    resources = portal_state(request).resources
    found = member_page.member_submission(resources, _member(user), submission_id)
    if found is None:
        raise HTTPException(status_code=404, detail="no submission of this member with that id")
    content = member_page.submission_report(resources, found)
    if content is None:
        raise HTTPException(status_code=409, detail="not validated yet: poll the submission's status")
    return content


@router.post("/submissions/{submission_id}/withdraw", summary="Withdraw a submission")
def withdraw(request: Request, user: ApiUser, submission_id: str) -> dict[str, Any]:
    """Its rows leave the core tables at the next run, which starts now."""
    from flows.portal.members import runs

    resources = portal_state(request).resources
    if member_page.member_submission(resources, _member(user), submission_id) is None:
        raise HTTPException(status_code=404, detail="no submission of this member with that id")
    withdrawn = resources.ledger.withdraw([submission_id], message=f"withdrawn through the API by {user.email}")
    if withdrawn:
        runs(request).request()
    return {"submission_id": submission_id, "withdrawn": bool(withdrawn)}


@router.get("/templates/{dataset}.{file_format}", summary="A template to fill in", response_class=Response)
def template(user: ApiUser, dataset: str, file_format: str) -> Response:
    """XLSX or CSV, with the member's id filled in."""
    if dataset not in MEMBER_DATASETS or file_format not in CONTENT_TYPES:
        raise HTTPException(status_code=404, detail=f"datasets: {', '.join(MEMBER_DATASETS)}; formats: xlsx, csv")
    content = template_for(dataset, member_id=user.member_id, today=date.today())
    data = template_bytes(content, file_format)  # type: ignore[arg-type]
    return Response(data, media_type=CONTENT_TYPES[file_format])


@router.get("/member", summary="The member's own data")
def own_data(request: Request, user: ApiUser) -> dict[str, Any]:
    """Obligations with due dates, targets beside their kind's published progress, indicators beside the published."""
    resources = portal_state(request).resources
    member_id = _member(user)
    member = resources.ledger.get_member(member_id)
    region = member.region if member else "all"
    kind = member.kind if member else "all"
    return {
        "member_id": member_id,
        "name": member.name if member else None,
        "obligations": _json_rows(member_page.member_obligations(resources, member_id).to_dicts()),
        "targets": _json_rows(member_page.targets_beside_kind(resources, member_id, kind).to_dicts()),
        "indicators": _json_rows(member_page.indicators_beside_published(resources, member_id, region).to_dicts()),
    }


def _json_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in row.items()} for row in rows
    ]
