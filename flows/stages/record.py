"""Recording outcomes: core rows, quarantine, the member's report, and the ledger's outcome last.

Accepted rows go into the core table by the file rules (`flows.stages.replacing`), refused rows into
quarantine; the ledger's outcome is written last, so a crash before it redoes the whole submission.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

from expectations.target_changes import target_change_warnings
from flows.stages.judge import Checked
from flows.stages.receive import file_name
from flows.stages.replacing import FilePlan, plan_files, row_keys, shared_rows
from flows.stages.summary import SubmissionOutcome
from infra.ledger import Submission, Validation
from infra.rendering.member_report import member_report_html, member_report_json
from infra.resources import Resources
from infra.storage import keys
from schemas import CONTRACTS, FLOWS, PROGRESS, TARGETS
from schemas.outcomes import SubmissionStatus
from schemas.tables import TABLES
from transforms.target_versions import merge_target_versions, progress_left_without_comparable_target

logger = logging.getLogger(__name__)


def write_core(
    resources: Resources,
    dataset: str,
    checked: Sequence[Checked],
    *,
    parts: Sequence[Path] | None = None,
) -> tuple[list[Checked], dict[str, str]]:
    """Write a judged batch's accepted rows to the core table in one Iceberg commit, by the contract's rule.

    Returns the batch with each report saying which of the member's files it replaced or adds to, and which
    files the batch supersedes (old id → new id; none for target versions, whose history keeps every file's
    rows). Older live files are marked superseded in the ledger before the core table changes, so that a
    crash in between redoes the same replacement. `parts` are the accepted rows of a lone large file as
    Parquet files, when not held in memory.
    """
    if CONTRACTS[dataset].replacement == "versions":
        versions = _write_versions(resources, dataset, checked, parts=parts)
        # every version stays in the history: no file is superseded
        return _with_target_changes(resources, checked, versions), {}
    plans = plan_batch(resources, dataset, checked, parts=parts)
    batch_ids = {one.submission.submission_id for one in checked}
    resources.ledger.replace_files(
        {old: new for new, plan in plans.items() for old in plan.replaces if old not in batch_ids}
    )
    written = [one for one in checked if one.accepted_rows and plans[one.submission.submission_id].replaced_by is None]
    removed = {old for plan in plans.values() for old in plan.replaces}
    touched = sorted(removed | {one.submission.submission_id for one in checked if one.accepted_rows})
    if touched:
        rows: pl.DataFrame | Sequence[Path]
        if parts is not None:
            rows = list(parts) if written else []
        else:
            frames = [one.accepted for one in written]
            rows = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=TABLES[f"core.{dataset}"])
        resources.warehouse.replace(f"core.{dataset}", rows, match={"submission_id": touched})
    replaced = {old: new for new, plan in plans.items() for old in plan.replaces}
    replaced |= {this: plan.replaced_by for this, plan in plans.items() if plan.replaced_by is not None}
    return [one.with_relations(plans[one.submission.submission_id].relations) for one in checked], replaced


def plan_batch(
    resources: Resources, dataset: str, checked: Sequence[Checked], *, parts: Sequence[Path] | None = None
) -> dict[str, FilePlan]:
    """The file rules applied to a batch: the members' live files from the ledger, their row keys from core."""
    members = {one.submission.member_id for one in checked}
    with_rows = [one for one in checked if one.accepted_rows]
    files = resources.ledger.member_files(
        members, dataset, replaced_by=[one.submission.submission_id for one in with_rows]
    )
    ids = {one.submission.submission_id for one in checked}
    live_ids = [submission.submission_id for submission in files if submission.submission_id not in ids]
    sources = _live_row_keys(resources, dataset, members, live_ids)
    if parts is not None:
        sources.append(row_keys(dataset, pl.scan_parquet(list(parts))))
    else:
        sources += [row_keys(dataset, one.accepted.lazy()) for one in with_rows]
    keys = pl.concat(sources, how="vertical").collect() if sources else pl.DataFrame()
    shared = shared_rows(keys) if keys.height else {}
    return plan_files(
        [one.submission for one in checked],
        with_rows={one.submission.submission_id for one in with_rows},
        files=files,
        shared=shared,
    )


def _live_row_keys(
    resources: Resources, dataset: str, members: Collection[str], live_ids: Sequence[str]
) -> list[pl.LazyFrame]:
    """The row keys of the members' live files, read from the core table (key columns only, batch by batch)."""
    if not live_ids:
        return []
    columns = list(dict.fromkeys(("submission_id", *CONTRACTS[dataset].key)))
    wanted = pl.col("submission_id").is_in(list(live_ids))
    return [
        row_keys(dataset, batch.lazy().filter(wanted))
        for batch in resources.warehouse.batches(
            f"core.{dataset}", where={"member_id": sorted(members)}, columns=columns
        )
    ]


def _write_versions(
    resources: Resources, dataset: str, checked: Sequence[Checked], *, parts: Sequence[Path] | None = None
) -> pl.DataFrame:
    """Add the versions of the targets a batch names to their history in the core table: one Iceberg commit.

    The member's other targets are not touched; a changed target becomes a new version (`merge_target_versions`).
    Returns every version of the targets the batch names.
    """
    column = CONTRACTS[dataset].scope_column
    assert column is not None, dataset
    if parts is not None:
        incoming = pl.read_parquet(list(parts)) if parts else pl.DataFrame(schema=TABLES[f"core.{dataset}"])
    else:
        incoming = pl.concat([one.accepted for one in checked], how="vertical_relaxed")
    if not incoming.height:
        return incoming
    named = incoming.select("member_id", column).unique()
    members = sorted(named.get_column("member_id").unique().to_list())
    existing = resources.warehouse.read(f"core.{dataset}", where={"member_id": members}).join(
        named, on=["member_id", column], how="semi"
    )
    # Members naming the same targets share one slice, so a batch of many members is a few slices.
    members_by_targets: dict[tuple[str, ...], list[str]] = {}
    for (member,), group in named.group_by("member_id", maintain_order=True):
        members_by_targets.setdefault(tuple(sorted(group.get_column(column).to_list())), []).append(member)
    match = [{"member_id": ids, column: list(targets)} for targets, ids in members_by_targets.items()]
    merged = merge_target_versions(existing, incoming)
    resources.warehouse.replace(f"core.{dataset}", merged, match=match)
    return merged


def _with_target_changes(resources: Resources, checked: Sequence[Checked], versions: pl.DataFrame) -> list[Checked]:
    """The batch, each targets file's report warning of the progress its changes leave without a comparable target."""
    if not versions.height or checked[0].submission.dataset != TARGETS.name:
        return list(checked)
    members = sorted(set(versions.get_column("member_id")))
    files = resources.ledger.member_files(members, PROGRESS.name)
    arrived = pl.DataFrame(
        [(one.submission_id, one.received_at) for one in files],
        schema={"submission_id": pl.String(), "reported_at": TABLES["core.targets"]["valid_from_at"]},
        orient="row",
    )
    progress = (
        resources.warehouse.read("core.progress", where={"member_id": members})
        .join(versions.select("member_id", "target_id").unique(), on=["member_id", "target_id"], how="semi")
        .join(arrived, on="submission_id", how="left")
    )
    left = progress_left_without_comparable_target(
        versions.lazy(), progress.lazy(), submission_ids=[one.submission.submission_id for one in checked]
    ).collect()
    if not left.height:
        return list(checked)
    warnings = target_change_warnings(left, file_names={one.submission_id: file_name(one) for one in files})
    return [one.with_file_warnings(warnings.get(one.submission.submission_id, ())) for one in checked]


def write_report(resources: Resources, checked: Checked, *, disclosure_class: str | None = None) -> SubmissionOutcome:
    """Store the member's report (HTML and JSON, stating its flows disclosure class) and say what became of it."""
    submission, report = checked.submission, checked.report
    html_key = keys.report_key(submission.member_id, submission.dataset, submission.submission_id, extension="html")
    json_key = keys.report_key(submission.member_id, submission.dataset, submission.submission_id, extension="json")
    html = member_report_html(report, disclosure_class=disclosure_class).encode("utf-8")
    resources.storage.put_bytes(html_key, html, content_type="text/html; charset=utf-8")
    resources.storage.put_bytes(json_key, member_report_json(report), content_type="application/json")
    return SubmissionOutcome(
        submission_id=submission.submission_id,
        member_id=submission.member_id,
        dataset=submission.dataset,
        key=submission.key,
        status=SubmissionStatus.SUPERSEDED if report.replaced else report.status,
        counts=report.counts,
        report_key=html_key,
        periods=checked.scope,
        message=checked.message,
    )


QUARANTINE_CONTENT_TYPE = "application/vnd.apache.parquet"


# Objects written at once: each is small and its write waits on the disk (fsync) or the network, not the CPU.
WRITE_THREADS = 8


def record(resources: Resources, dataset: str, checked: Sequence[Checked]) -> list[SubmissionOutcome]:
    """Record a judged batch of one dataset: core rows, quarantine, reports, then the ledger, in that order."""
    written, replaced = write_core(resources, dataset, checked)
    refused = [one for one in written if one.quarantined is not None]
    if refused:
        with ThreadPoolExecutor(max_workers=WRITE_THREADS, thread_name_prefix="quarantine") as pool:
            list(pool.map(lambda one: keep_quarantine(resources, one.submission, one.quarantined), refused))
    return record_outcomes(resources, written, replaced=replaced)


def record_outcomes(
    resources: Resources, checked: Sequence[Checked], *, replaced: Mapping[str, str]
) -> list[SubmissionOutcome]:
    """Members' reports, then the ledger's outcomes of the whole batch: one statement, one commit.

    `replaced` (old id → new id) are the files superseded whole by `write_core`. The ledger is written last,
    so a crash before it leaves the batch received, and the next run redoes it.
    """
    classes = resources.ledger.disclosure_classes(dataset=FLOWS.name)  # once per batch, not per report
    with ThreadPoolExecutor(max_workers=WRITE_THREADS, thread_name_prefix="reports") as pool:
        outcomes = list(
            pool.map(
                lambda one: write_report(resources, one, disclosure_class=classes.get(one.submission.member_id)),
                checked,
            )
        )
    validations = [
        Validation(
            submission_id=outcome.submission_id,
            status=one.report.status,
            counts=outcome.counts,
            report_key=outcome.report_key,
            periods=one.rows_per_scope,
            message=outcome.message,
        )
        for outcome, one in zip(outcomes, checked, strict=True)
    ]
    with resources.ledger.batch():
        resources.ledger.record_validations(validations)
        resources.ledger.replace_files(replaced)
    if replaced:
        logger.info("superseded by this batch: %s", ", ".join(sorted(replaced)))
    return outcomes


def keep_quarantine(resources: Resources, submission: Submission, rows: pl.DataFrame) -> None:
    """Keep a submission's refused rows as the member sent them, with the checks each failed."""
    buffer = io.BytesIO()
    rows.write_parquet(buffer)
    key = keys.quarantine_key(submission.member_id, submission.dataset, submission.submission_id)
    resources.storage.put_bytes(key, buffer.getvalue(), content_type=QUARANTINE_CONTENT_TYPE)
