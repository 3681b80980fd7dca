"""Judging submissions: read → lineage → normalise → validate → accepted and quarantined rows with reasons.

Every entry judges through here: the nightly and event batches, the large-file path, `junkan validate`
and `junkan members import`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import polars as pl

from expectations.notes import NOTES_SCHEMA, SUBMISSION_ID, cell_notes
from expectations.relations import FileRelation
from expectations.report import FileWarning, Report, SubmissionInfo, build_rejection_report, build_report
from expectations.result import ValidationResult
from flows.stages.receive import download_submission, file_name
from flows.stages.summary import Timings, timed
from infra.ledger import Submission
from infra.readers import RawTable, read_table
from infra.readers.limits import limits_from_settings
from infra.resources import Resources
from schemas import CONTRACTS, get_contract
from schemas.contract import Contract
from schemas.datasets import references_of
from schemas.errors import FileRejected
from schemas.members import close_member_ids
from schemas.tables import TABLES
from transforms.core_shaping import ARRIVAL, core_rows
from transforms.normalize import normalize

logger = logging.getLogger(__name__)

# Files of a batch are read on threads: Polars parses with the GIL released, and a batch of many small files spent
# most of its read stage in per-file fixed costs one core at a time (3.6 s of 900 files on W1 medium, 2 cores).
READ_THREADS = min(4, os.cpu_count() or 1)


@dataclass(frozen=True)
class _Loaded:
    submission: Submission
    raw: RawTable | None
    rejection: FileRejected | None


def _load(resources: Resources, submission: Submission, workdir: Path) -> _Loaded | None:
    """Download and read a submission; None when its object no longer holds the content registered."""
    local = download_submission(resources, submission, workdir)
    if local is None:
        return None
    try:
        raw = read_table(
            local,
            get_contract(submission.dataset),
            name=file_name(submission),
            limits=limits_from_settings(resources.settings),
        )
    except FileRejected as rejection:
        return _Loaded(submission, None, rejection)
    finally:
        local.unlink(missing_ok=True)
    return _Loaded(submission, raw, None)


def judge(
    resources: Resources, contract: Contract, batch: Sequence[Submission], *, timings: Timings | None = None
) -> list[Checked]:
    """Judge a batch of one dataset's submissions together; in arrival order, the rows of each split out.

    One normalisation and one GX call for the whole batch: their fixed cost per call would dominate many small
    files. A submission whose object changed since it was received is retired and left out.
    """
    with timed(timings, "read"):
        with (
            tempfile.TemporaryDirectory(prefix="junkan-") as workdir,
            ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="read") as pool,
        ):
            read = pool.map(lambda submission: _load(resources, submission, Path(workdir)), batch)
            loaded = [item for item in read if item]
        regions = registered_regions(resources, [item.submission.member_id for item in loaded])
        raw_frames = [
            lineage(
                item.raw.frame,
                submission_id=item.submission.submission_id,
                submitter_id=item.submission.member_id,
                registered_region=regions.get(item.submission.member_id),
            )
            for item in loaded
            if item.raw is not None
        ]
    result = None
    rows = pl.concat(raw_frames, how="vertical") if raw_frames else None
    if rows is not None:
        with timed(timings, "validate"):
            members = sorted({item.submission.member_id for item in loaded})
            result = validate_rows(contract, rows, references=load_references(resources, contract.name, members))
    with timed(timings, "write"):  # the members' reports are written out with the outcomes
        unregistered = unregistered_member_ids(resources, written_member_ids(raw_frames))
        accepted = batch_core_rows(contract, [item.submission for item in loaded], result)
        notes = batch_cell_notes(contract, rows)
        return sorted(
            (
                judged(
                    item,
                    result,
                    accepted.get(item.submission.submission_id),
                    unregistered,
                    notes=notes.get(item.submission.submission_id, pl.DataFrame(schema=NOTES_SCHEMA)),
                )
                for item in loaded
            ),
            key=lambda one: (one.submission.received_at, one.submission.submission_id),
        )


def batch_cell_notes(contract: Contract, rows: pl.DataFrame | None) -> dict[str, pl.DataFrame]:
    """Each file's notes on cells read as other than written (`cell_notes`), found in one pass over the batch.

    Per file, the handful of Polars calls cost more than the cells they look at: 3 s of 900 small files.
    """
    if rows is None:
        return {}
    notes = cell_notes(contract, rows)  # it looks at the contract's submitted columns only, not the lineage
    return {
        str(key[0]): part.drop(SUBMISSION_ID) for key, part in notes.partition_by(SUBMISSION_ID, as_dict=True).items()
    }


@dataclass(frozen=True)
class _Accepted:
    rows: pl.DataFrame  # in the core table's shape
    per_scope: dict[str, int]


def batch_core_rows(
    contract: Contract, submissions: Sequence[Submission], result: ValidationResult | None
) -> dict[str, _Accepted]:
    """Each submission's accepted rows in the core table's shape, and their count per scope: one pass per batch.

    Shaping and counting file by file cost a few milliseconds per file, the bulk of a batch of small files.
    """
    if result is None:
        return {}
    received = {submission.submission_id: submission.received_at for submission in submissions}
    arrived = pl.col("submission_id").replace_strict(received, default=None, return_dtype=ARRIVAL)
    rows = core_rows(contract.name, result.accepted, received_at=arrived)
    parts = {str(key[0]): part for key, part in rows.partition_by("submission_id", as_dict=True).items()}
    counts: dict[str, dict[str, int]] = {}
    for submission_id, scope, count in rows.group_by("submission_id", scope_of(contract.name)).len().iter_rows():
        counts.setdefault(submission_id, {})[str(scope)] = int(count)
    return {submission_id: _Accepted(part, counts[submission_id]) for submission_id, part in parts.items()}


def validate_rows(
    contract: Contract, frame: pl.DataFrame, *, references: Mapping[str, pl.DataFrame] | None = None
) -> ValidationResult:
    """Normalise rows read (with lineage) and validate them: one call for however many files they came from."""
    from expectations.validate import validate

    return validate(contract, normalized(frame, contract), references=references)


def lineage(raw: pl.DataFrame, *, submission_id: str, submitter_id: str, registered_region: str | None) -> pl.DataFrame:
    """Rows as read, with who sent them and the member's registered region (the region of rows naming none)."""
    return raw.with_columns(
        submission_id=pl.lit(submission_id),
        submitter_id=pl.lit(submitter_id),
        registered_region=pl.lit(registered_region, dtype=pl.String),
    )


def with_lineage(resources: Resources, submission: Submission, raw: pl.DataFrame) -> pl.DataFrame:
    """A submission's rows as read, with who sent them and the member's registered region."""
    return lineage(
        raw,
        submission_id=submission.submission_id,
        submitter_id=submission.member_id,
        registered_region=registered_regions(resources, [submission.member_id]).get(submission.member_id),
    )


def normalized(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """Rows with lineage normalised; a row naming no region gets its member's registered one."""
    return normalize(frame, contract=contract, default_region=pl.col("registered_region")).collect()


def load_references(resources: Resources, dataset: str, members: Sequence[str]) -> dict[str, pl.DataFrame]:
    """The rows of other datasets the dataset's rules look up, for these members (`schemas.datasets`).

    Datasets are validated in `validation_order` and recorded before the next dataset, so a batch's own targets
    or projects count. Before anything is published, a reference has no rows.
    """
    found = {}
    for name, reference in references_of(dataset).items():
        try:
            rows = resources.warehouse.read(reference.table, where={"member_id": list(members)})
        except ValueError:  # the table does not exist yet (a `junkan validate` before anything was published)
            rows = reference.empty()
        found[name] = rows.select(reference.columns)
    return found


def submission_info(submission: Submission) -> SubmissionInfo:
    """Which file a report is about."""
    return SubmissionInfo(
        submission_id=submission.submission_id,
        member_id=submission.member_id,
        dataset=submission.dataset,
        file_name=file_name(submission),
        received_at=submission.received_at,
    )


def written_member_ids(frames: Sequence[pl.DataFrame]) -> set[str]:
    """The member ids rows name (as normalised) other than their file's submitter: almost always none."""
    found: set[str] = set()
    for frame in frames:
        if "member_id" not in frame.columns:
            continue
        written = frame.select(pl.col("member_id").str.normalize("NFKC").str.strip_chars().unique())
        submitters = set(frame.get_column("submitter_id").unique()) if "submitter_id" in frame.columns else set()
        found |= {value for value in written.to_series().to_list() if value} - submitters
    return found


def unregistered_member_ids(resources: Resources, written: Collection[str]) -> dict[str, tuple[str, ...]]:
    """The ids among `written` that no member is registered under, each with the registered ids close to it.

    One query for the ids written; the registry is listed only when one of them is unknown.
    """
    if not written:
        return {}
    unknown = set(written) - set(resources.ledger.get_members(list(written)))
    if not unknown:
        return {}
    registered = [member.member_id for member in resources.ledger.list_members()]
    return {member_id: close_member_ids(member_id, registered) for member_id in sorted(unknown)}


def registered_regions(resources: Resources, member_ids: Sequence[str]) -> dict[str, str]:
    """Each member's region in the registry (the region of its rows that name none): one query for a batch."""
    return {member_id: member.region for member_id, member in resources.ledger.get_members(member_ids).items()}


@dataclass(frozen=True)
class Checked:
    """One submission after validation: its report, its accepted rows in the core table's shape, its refused rows."""

    submission: Submission
    report: Report
    accepted: pl.DataFrame
    message: str | None
    counted: dict[str, int] | None = None  # rows per scope, counted for the batch (or for a large file's parts)
    quarantined: pl.DataFrame | None = None  # refused rows as the member sent them, with the checks each failed

    @property
    def accepted_rows(self) -> int:
        """How many rows it adds to the core table (before any newer file replaces them)."""
        return sum(self.rows_per_scope.values())

    def with_relations(self, relations: tuple[FileRelation, ...]) -> Checked:
        """The same judgement, its report saying how the file stands to the member's other files."""
        return dataclasses.replace(self, report=dataclasses.replace(self.report, relations=relations))

    def with_file_warnings(self, warnings: tuple[FileWarning, ...]) -> Checked:
        """The same judgement, its report with remarks on the whole file added (found while recording it)."""
        if not warnings:
            return self
        added = (*self.report.file_warnings, *warnings)
        return dataclasses.replace(self, report=dataclasses.replace(self.report, file_warnings=added))

    @property
    def scope(self) -> tuple[str, ...]:
        """The periods (years, or target ids) its accepted rows cover: what it replaces for its member."""
        return tuple(sorted(self.rows_per_scope))

    @cached_property
    def rows_per_scope(self) -> dict[str, int]:
        """Accepted rows in each period (year, or target id) of the scope (counted once)."""
        if self.counted is not None:
            return dict(self.counted)
        return rows_per_scope(self.submission.dataset, self.accepted)


def scope_of(dataset: str) -> pl.Expr:
    """A row's period in its file's scope: its year or target id, or the dataset's name when it has no scope column."""
    column = CONTRACTS[dataset].scope_column
    return (pl.lit(dataset) if column is None else pl.col(column).cast(pl.String)).alias("_scope")


def rows_per_scope(dataset: str, accepted: pl.DataFrame) -> dict[str, int]:
    """Accepted rows of a dataset in each period (year, or target id) they cover."""
    counts = accepted.group_by(scope_of(dataset)).len()
    return {str(scope): int(count) for scope, count in counts.iter_rows() if count}


def judged(
    item: _Loaded,
    result: ValidationResult | None,
    accepted: _Accepted | None,
    unregistered: Mapping[str, Sequence[str]] | None = None,
    *,
    notes: pl.DataFrame | None = None,
) -> Checked:
    """The member's report, the refused rows as the member sent them, accepted rows in the core table's shape.

    `notes` are the file's `cell_notes` when they were found for its whole batch (`batch_cell_notes`).
    """
    submission = item.submission
    contract = get_contract(submission.dataset)
    info = submission_info(submission)
    if item.raw is None or result is None:
        assert item.rejection is not None
        report = build_rejection_report(submission=info, rejected=item.rejection)
        empty = pl.DataFrame(schema=TABLES[f"core.{submission.dataset}"])
        return Checked(submission, report, empty, str(item.rejection))
    result = result.of(submission.submission_id)
    report = build_report(
        submission=info,
        contract=contract,
        result=result,
        raw=item.raw.frame,
        ignored_columns=item.raw.ignored_columns,
        sheets=item.raw.sheets,
        skipped_sheets=item.raw.skipped_sheets,
        unregistered=unregistered,
        notes=notes,
    )
    quarantined = quarantine_rows(item.raw.frame, result.quarantined) if result.quarantined.height else None
    if accepted is None:  # no row of it was accepted
        return Checked(
            submission, report, pl.DataFrame(schema=TABLES[f"core.{submission.dataset}"]), None, {}, quarantined
        )
    return Checked(submission, report, accepted.rows, None, accepted.per_scope, quarantined)


def quarantine_rows(raw: pl.DataFrame, quarantined: pl.DataFrame) -> pl.DataFrame:
    """The member's text of the quarantined rows, with the checks each failed."""
    return raw.join(quarantined.select("source_row", "failed_checks"), on="source_row", how="inner")
