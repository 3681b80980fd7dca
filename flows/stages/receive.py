"""Receiving files: inbox objects recorded in the ledger, downloaded, and put in the order they are judged in.

Content seen before is the same submission; an object overwritten since it was recorded is retired.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from flows.stages.summary import RunSummary
from infra.hashing import sha256_copy, sha256_stream
from infra.ledger import Submission
from infra.resources import Resources
from infra.storage import INBOX, ObjectInfo, keys
from schemas import DATASET_ORDER
from schemas.outcomes import SubmissionStatus
from schemas.reference import REFERENCE_DATASETS, SECRETARIAT_ID

logger = logging.getLogger(__name__)


# Statuses of content that counts again when it is uploaded again.
RETIRED = (SubmissionStatus.SUPERSEDED, SubmissionStatus.WITHDRAWING, SubmissionStatus.WITHDRAWN)
WITHDRAWN_BY_DELETION = (
    "the file was deleted from the inbox: its rows were taken out / 受信箱から削除されたため取り下げました"
)


def register_keys(resources: Resources, object_keys: Iterable[str], summary: RunSummary) -> list[str]:
    """Record inbox objects in the ledger; returns ids of submissions still waiting for validation.

    Keys outside the inbox layout, of unknown members or unsafe are refused and recorded in the summary;
    content seen before is the same submission (the same file twice is one submission).
    """
    parsed: list[tuple[str, keys.InboxKey]] = []
    for key in object_keys:
        try:
            parsed.append((key, keys.parse_inbox_key(key)))
        except ValueError as error:
            summary.refused_keys[key] = str(error)
    registered = resources.ledger.get_members([inbox.member_id for _, inbox in parsed])
    waiting: list[str] = []
    with resources.ledger.batch():  # one transaction (one commit) for every file of the call
        for key, inbox in parsed:
            if inbox.member_id not in registered:
                summary.refused_keys[key] = f"member {inbox.member_id!r} is not registered (junkan members add)"
                continue
            if inbox.dataset in REFERENCE_DATASETS and inbox.member_id != SECRETARIAT_ID:
                summary.refused_keys[key] = (
                    f"{inbox.dataset} is reference data only the secretariat loads (junkan reference load) / "
                    "参照データは事務局だけが読み込めます"
                )
                continue
            with resources.storage.open(key) as stream:
                sha256, size = sha256_stream(stream)
            submission, created = resources.ledger.register_submission(
                member_id=inbox.member_id, dataset=inbox.dataset, key=key, sha256=sha256, size=size
            )
            if not created and submission.status in RETIRED and _uploaded_after(resources, key, submission):
                # Content a newer file had replaced, or the member had withdrawn, is uploaded again: it is the
                # member's latest word now.
                # (A redelivered notification of the old upload is not: its object is older than the record.)
                submission = resources.ledger.receive_again(submission.submission_id)
            if submission.status == SubmissionStatus.RECEIVED:
                waiting.append(submission.submission_id)
            elif not created:
                summary.skipped_keys.append(key)
    return waiting


def _uploaded_after(resources: Resources, key: str, submission: Submission) -> bool:
    info = resources.storage.stat(key)
    return info is not None and info.last_modified > submission.received_at


@dataclass(frozen=True)
class InboxScan:
    """One listing of the inbox against the ledger: what arrived or changed since, and what was deleted."""

    unseen_keys: list[str]  # new or changed objects, in upload order
    deleted_ids: list[str]  # live inbox files whose object is gone (the member withdrew them by deleting them)


def scan_inbox(resources: Resources) -> InboxScan:
    """List the inbox once and compare it with the ledger (a sweep needs both answers)."""
    objects = list(resources.storage.list(f"{INBOX}/"))
    return InboxScan(_unseen(resources, objects), _deleted(resources, objects))


def unseen_inbox_keys(resources: Resources) -> list[str]:
    """Inbox objects the ledger has not recorded, or that changed since it recorded them, in upload order."""
    return _unseen(resources, resources.storage.list(f"{INBOX}/"))


def _unseen(resources: Resources, objects: Iterable[ObjectInfo]) -> list[str]:
    latest = resources.ledger.latest_received_at()
    unseen = []
    for info in objects:
        known = latest.get(info.key)
        if known is None or info.last_modified > known:
            unseen.append(info)
    # In the order they were uploaded, never by name: the file that arrived last is the member's latest word.
    return [info.key for info in sorted(unseen, key=lambda info: (info.last_modified, info.key))]


def _deleted(resources: Resources, objects: Iterable[ObjectInfo]) -> list[str]:
    live = resources.ledger.live_inbox_keys()
    if not live:
        return []
    present = {info.key for info in objects}
    return sorted(submission_id for key, ids in live.items() if key not in present for submission_id in ids)


def withdraw_deleted(resources: Resources, scan: InboxScan | None = None) -> list[Submission]:
    """Withdraw the live files deleted from the inbox (their rows leave core when their periods republish)."""
    deleted = (scan or scan_inbox(resources)).deleted_ids
    if not deleted:
        return []
    return resources.ledger.withdraw(deleted, message=WITHDRAWN_BY_DELETION)


def file_name(submission: Submission) -> str:
    """The name the member gave the file."""
    return keys.parse_inbox_key(submission.key).file_name


def download_submission(resources: Resources, submission: Submission, workdir: Path) -> Path | None:
    """The submission's file in `workdir`; None (and the submission retired) when its object changed since."""
    local = workdir / f"{submission.submission_id}{Path(file_name(submission)).suffix.lower()}"
    with resources.storage.open(submission.key) as stream:
        sha256, _ = sha256_copy(stream, local)  # hashed as it is read: no second pass over the file
    if sha256 != submission.sha256:
        local.unlink(missing_ok=True)
        # Overwritten since it was received: that content is gone, and the new content is (or will be at the
        # next sweep) a submission of its own.
        resources.ledger.supersede(
            submission.submission_id, message=f"{submission.key} was replaced by newer content before validation"
        )
        return None
    return local


def in_dataset_order(resources: Resources, submission_ids: Sequence[str]) -> list[str]:
    """Targets first, then progress, then flows, each oldest first.

    Batches then never validate a member's progress before the targets it refers to.
    """
    return [s.submission_id for s in _in_dataset_order(resources, submission_ids)]


def _in_dataset_order(resources: Resources, submission_ids: Sequence[str]) -> list[Submission]:
    found = resources.ledger.get_submissions(submission_ids)
    found.sort(key=lambda s: (DATASET_ORDER.index(s.dataset), s.received_at, s.submission_id))
    return found


def validation_batches(resources: Resources, submission_ids: Sequence[str]) -> list[list[str]]:
    """Submissions in dataset order, cut into batches bounded in count and in file bytes (see the settings)."""
    settings = resources.settings
    return batched_by_size(
        [(s.submission_id, s.size) for s in _in_dataset_order(resources, submission_ids)],
        max_items=settings.validation_batch_submissions,
        max_bytes=settings.validation_batch_bytes,
    )


def batched_by_size(items: Sequence[tuple[str, int]], *, max_items: int, max_bytes: int) -> list[list[str]]:
    """Consecutive runs of (id, bytes) with at most `max_items` ids and `max_bytes` bytes; a larger one alone.

    >>> batched_by_size([("a", 5), ("b", 5), ("c", 20), ("d", 1), ("e", 1), ("f", 1)], max_items=2, max_bytes=10)
    [['a', 'b'], ['c'], ['d', 'e'], ['f']]
    """
    batches: list[list[str]] = []
    current: list[str] = []
    held = 0
    for item_id, size in items:
        if current and (len(current) == max_items or held + size > max_bytes):
            batches.append(current)
            current, held = [], 0
        current.append(item_id)
        held += size
    if current:
        batches.append(current)
    return batches
