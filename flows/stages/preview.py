"""Previews: after a run rebuilds the drafts, each flows submission's member sees what would become public of it.

The member's validation report is written at validation, before the drafts change, so the preview is its own page
beside the report (`infra.storage.keys.preview_key`), rewritten whenever the member's submission is processed again. The
report cannot be re-rendered here: storage holds its HTML and JSON, not the `Report` it was rendered from.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import polars as pl

from flows.stages.publish import flow_cells
from flows.stages.record import WRITE_THREADS
from infra.ledger import Submission
from infra.rendering.member_preview import PeriodPreview, member_preview_html, period_previews
from infra.resources import Resources
from infra.storage import keys
from schemas import FLOWS
from schemas.tables import draft_table
from transforms.member_preview import preview_pages
from transforms.publication import PUBLISHED_BUILDERS

logger = logging.getLogger(__name__)


def read_drafts(resources: Resources, period: str) -> dict[str, pl.DataFrame]:
    """The period's draft of every table a release publishes, keyed by its public name."""
    return {
        table: resources.warehouse.read(draft_table(table), where={"period": [period]}) for table in PUBLISHED_BUILDERS
    }


def rows_in_draft(resources: Resources, period: str, submission_ids: Sequence[str]) -> dict[str, int]:
    """How many of each submission's rows of a period are in `core.flows`, which the period's draft was built from."""
    counts: dict[str, int] = {}
    where = {"period": [period], "submission_id": sorted(submission_ids)}
    for batch in resources.warehouse.batches("core.flows", where=where, columns=["submission_id"]):
        for submission_id, n in batch.group_by("submission_id").len().iter_rows():
            counts[submission_id] = counts.get(submission_id, 0) + n
    return counts


def write_previews(resources: Resources, submissions: Sequence[Submission]) -> list[str]:
    """Store the publication preview of every flows submission given, from the drafts of its periods; returns keys.

    Call after the drafts of the submissions' periods are rebuilt. Each period's drafts and member cells are read
    once, and each member's preview computed once per period, however many of its files name the period.
    """
    flows = [submission for submission in submissions if submission.dataset == FLOWS.name and submission.periods]
    as_of = datetime.now(UTC)
    pages: dict[str, list[PeriodPreview]] = {submission.submission_id: [] for submission in flows}
    for period in sorted({period for submission in flows for period in submission.periods}):
        naming = [submission for submission in flows if period in submission.periods]
        drafts = read_drafts(resources, period)
        cells = flow_cells(resources, period)
        in_draft = rows_in_draft(resources, period, [submission.submission_id for submission in naming])
        previews = period_previews(period, preview_pages([s.member_id for s in naming], cells, drafts))
        for submission in naming:
            preview = previews.get(submission.member_id, PeriodPreview.empty(period))
            rows = in_draft.get(submission.submission_id, 0)
            pages[submission.submission_id].append(dataclasses.replace(preview, rows_in_draft=rows))

    def write(submission: Submission) -> str:
        key = keys.preview_key(submission.member_id, submission.dataset, submission.submission_id)
        html = member_preview_html(
            member_id=submission.member_id,
            submission_id=submission.submission_id,
            file_name=keys.original_name(submission.key.rsplit("/", 1)[-1]),
            periods=pages[submission.submission_id],
            as_of=as_of,
        )
        resources.storage.put_bytes(key, html.encode("utf-8"), content_type="text/html; charset=utf-8")
        return key

    with ThreadPoolExecutor(max_workers=WRITE_THREADS, thread_name_prefix="previews") as pool:
        written = list(pool.map(write, flows))
    logger.info("wrote %d publication previews", len(written))
    return written
