"""The pipeline's steps as plain functions over `Resources`: what the Prefect flows wire together.

A submission goes one way: storage → reader → normalise → validate → core tables, quarantine and report
→ ledger. Publishing a period reads `core.flows` for it and replaces every mart table's slice for it.
Each step is idempotent, so a crashed run is finished by the next one.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import resource
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import polars as pl

from expectations.report import Report, SubmissionInfo, build_rejection_report, build_report
from expectations.result import ValidationResult
from infra import keys
from infra.ledger import Submission
from infra.limits import limits_from_settings
from infra.readers import RawTable, read_table
from infra.resources import Resources
from infra.storage import INBOX
from schemas import CONTRACTS, MEMBERS, get_contract, periods
from schemas.contract import Contract
from schemas.errors import FileRejected
from schemas.tables import PERIOD_COLUMNS, TABLES
from transforms.balance import compute_stage_balance
from transforms.disclosure import suppress_flows, suppress_indicators, suppress_sankey, suppress_stage_balance
from transforms.indicators import compute_indicators
from transforms.marts import summarize_flows
from transforms.normalize import normalize, parse_period, roll_up_unknown_materials
from transforms.sankey import build_sankey_links
from transforms.targets import compute_compliance, compute_target_progress, summarize_target_progress

logger = logging.getLogger(__name__)

Timings = dict[str, float]


@contextmanager
def timed(timings: Timings | None, stage: str) -> Iterator[None]:
    """Add the wall time of a block to `timings[stage]` (stages: read, validate, write, publish)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        if timings is not None:
            timings[stage] = timings.get(stage, 0.0) + elapsed
        # Where memory peaks, for operators sizing a worker (and for the benchmarks' profiles).
        logger.info("stage %s took %.2f s; peak RSS so far %.0f MiB", stage, elapsed, peak_rss_mib())


def peak_rss_mib() -> float:
    """Peak resident memory of the current process so far.

    Linux's VmHWM, not `ru_maxrss`: after exec, `ru_maxrss` starts from the parent's size when it forked
    (a benchmark harness holding generated data made every stage look gigabytes large).
    """
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Targets before progress (progress must refer to a known target), flows last.
DATASET_ORDER: tuple[str, ...] = ("targets", "progress", "flows")
ALL_TARGETS = "all"  # the scope a targets file replaces: the member's whole target list
HASH_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class SubmissionOutcome:
    """What happened to one submission in a run."""

    submission_id: str
    member_id: str
    dataset: str
    key: str
    status: str
    n_read: int
    n_accepted: int
    n_quarantined: int
    n_warnings: int
    report_key: str
    periods: tuple[str, ...]
    message: str | None = None


@dataclass
class RunSummary:
    """A run's outcome, for the CLI's summary and the ledger's run record."""

    outcomes: list[SubmissionOutcome] = field(default_factory=list)
    published_periods: list[str] = field(default_factory=list)
    report_keys: list[str] = field(default_factory=list)
    skipped_keys: list[str] = field(default_factory=list)
    refused_keys: dict[str, str] = field(default_factory=dict)
    timings: Timings = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        """Rows read over all submissions of the run."""
        return sum(outcome.n_read for outcome in self.outcomes)

    @property
    def rows_accepted(self) -> int:
        """Rows accepted over all submissions of the run."""
        return sum(outcome.n_accepted for outcome in self.outcomes)

    @property
    def rows_quarantined(self) -> int:
        """Rows quarantined over all submissions of the run."""
        return sum(outcome.n_quarantined for outcome in self.outcomes)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready summary for the ledger's runs table."""
        return {
            "submissions": {outcome.submission_id: outcome.status for outcome in self.outcomes},
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "published_periods": self.published_periods,
            "report_keys": self.report_keys,
            "skipped_keys": self.skipped_keys,
            "refused_keys": self.refused_keys,
            "timings_s": {stage: round(seconds, 3) for stage, seconds in self.timings.items()},
        }


# --- receiving --------------------------------------------------------------------------------


def sha256_of(resources: Resources, key: str) -> tuple[str, int]:
    """Content hash and size of an object, streamed."""
    digest = hashlib.sha256()
    size = 0
    with resources.storage.open(key) as stream:
        while chunk := stream.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def register_keys(resources: Resources, object_keys: Iterable[str], summary: RunSummary) -> list[str]:
    """Record inbox objects in the ledger; returns ids of submissions still waiting for validation.

    Keys outside the inbox layout, of unknown members or unsafe are refused and recorded in the summary;
    content seen before is the same submission (the same file twice is one submission).
    """
    waiting: list[str] = []
    for key in object_keys:
        try:
            inbox = keys.parse_inbox_key(key)
        except ValueError as error:
            summary.refused_keys[key] = str(error)
            continue
        if resources.ledger.get_member(inbox.member_id) is None:
            summary.refused_keys[key] = f"member {inbox.member_id!r} is not registered (junkan members add)"
            continue
        sha256, size = sha256_of(resources, key)
        submission, created = resources.ledger.register_submission(
            member_id=inbox.member_id, dataset=inbox.dataset, key=key, sha256=sha256, size=size
        )
        if not created and submission.status == "superseded" and _uploaded_after(resources, key, submission):
            # Content a newer file had replaced is uploaded again: it is the member's latest word now.
            # (A redelivered notification of the old upload is not: its object is older than the record.)
            submission = resources.ledger.receive_again(submission.submission_id)
        if submission.status == "received":
            waiting.append(submission.submission_id)
        elif not created:
            summary.skipped_keys.append(key)
    return waiting


def _uploaded_after(resources: Resources, key: str, submission: Submission) -> bool:
    info = resources.storage.stat(key)
    return info is not None and info.last_modified > submission.received_at


def unseen_inbox_keys(resources: Resources) -> list[str]:
    """Inbox objects the ledger has not recorded, or that changed since it recorded them (a re-upload)."""
    latest: dict[str, Submission] = {}
    for submission in resources.ledger.submissions():
        if submission.key not in latest or submission.received_at > latest[submission.key].received_at:
            latest[submission.key] = submission
    unseen = []
    for info in resources.storage.list(f"{INBOX}/"):
        known = latest.get(info.key)
        if known is None or info.last_modified > known.received_at:
            unseen.append(info.key)
    return unseen


# --- validating -------------------------------------------------------------------------------


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


def file_name(submission: Submission) -> str:
    """The name the member gave the file."""
    return keys.parse_inbox_key(submission.key).file_name


def download_submission(resources: Resources, submission: Submission, workdir: Path) -> Path | None:
    """The submission's file in `workdir`; None (and the submission retired) when its object changed since."""
    local = workdir / f"{submission.submission_id}{Path(file_name(submission)).suffix.lower()}"
    resources.storage.download(submission.key, local)
    if _sha256_of_file(local) != submission.sha256:
        local.unlink(missing_ok=True)
        # Overwritten since it was received: that content is gone, and the new content is (or will be at the
        # next sweep) a submission of its own.
        resources.ledger.supersede(
            submission.submission_id, message=f"{submission.key} was replaced by newer content before validation"
        )
        return None
    return local


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def in_dataset_order(resources: Resources, submission_ids: Sequence[str]) -> list[str]:
    """Targets first, then progress, then flows, each oldest first.

    Batches then never validate a member's progress before the targets it refers to.
    """
    return [s.submission_id for s in _in_dataset_order(resources, submission_ids)]


def _in_dataset_order(resources: Resources, submission_ids: Sequence[str]) -> list[Submission]:
    found = [s for s in (resources.ledger.get_submission(i) for i in submission_ids) if s is not None]
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


def validate_submissions(
    resources: Resources, submission_ids: Sequence[str], *, timings: Timings | None = None
) -> list[SubmissionOutcome]:
    """Validate waiting submissions dataset by dataset, one batched GX call per dataset, and store outcomes."""
    from expectations.validate import validate

    ledger = resources.ledger
    submissions = [s for s in (ledger.get_submission(i) for i in submission_ids) if s and s.status == "received"]
    outcomes: list[SubmissionOutcome] = []
    for dataset in DATASET_ORDER:
        batch = [submission for submission in submissions if submission.dataset == dataset]
        if not batch:
            continue
        if len(batch) == 1 and is_large(resources, batch[0]):
            from flows.large_files import validate_large

            outcome = validate_large(resources, batch[0], timings=timings)
            if outcome is not None:
                outcomes.append(outcome)
                continue
        contract = CONTRACTS[dataset]
        with timed(timings, "read"):
            with tempfile.TemporaryDirectory(prefix="junkan-") as workdir:
                loaded = [
                    item for item in (_load(resources, submission, Path(workdir)) for submission in batch) if item
                ]
            raw_frames = [
                with_lineage(resources, item.submission, item.raw.frame) for item in loaded if item.raw is not None
            ]
            # One normalisation for the whole batch: its fixed cost per call would dominate many small files.
            frame = normalized(pl.concat(raw_frames, how="vertical"), contract) if raw_frames else None
        result = None
        if frame is not None:
            with timed(timings, "validate"):
                members = sorted({item.submission.member_id for item in loaded})
                result = validate(contract, frame, known_targets=known_targets(resources, dataset, members))
        with timed(timings, "write"):
            checked = sorted(
                (_check(resources, item, result) for item in loaded),
                key=lambda one: (one.submission.received_at, one.submission.submission_id),
            )
            _write_core(resources, dataset, checked)
            with resources.ledger.batch():  # one ledger transaction (one commit) for the batch's outcomes
                outcomes += [record_outcome(resources, one) for one in checked]
    return outcomes


def with_lineage(resources: Resources, submission: Submission, raw: pl.DataFrame) -> pl.DataFrame:
    """A submission's rows as read, with who sent them and the member's registered region."""
    return raw.with_columns(
        submission_id=pl.lit(submission.submission_id),
        submitter_id=pl.lit(submission.member_id),
        registered_region=pl.lit(registered_region(resources, submission.member_id), dtype=pl.String),
    )


def normalized(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """Rows with lineage normalised; a row naming no region gets its member's registered one."""
    return normalize(frame, contract=contract, default_region=pl.col("registered_region")).collect()


def known_targets(resources: Resources, dataset: str, members: Sequence[str]) -> pl.DataFrame | None:
    """The (member_id, target_id) pairs progress rows may refer to; None for the other datasets."""
    if dataset != "progress":
        return None
    return resources.warehouse.read("core.targets", where={"member_id": list(members)}).select("member_id", "target_id")


def submission_info(submission: Submission) -> SubmissionInfo:
    """Which file a report is about."""
    return SubmissionInfo(
        submission_id=submission.submission_id,
        member_id=submission.member_id,
        dataset=submission.dataset,
        file_name=file_name(submission),
        received_at=submission.received_at,
    )


def core_rows(dataset: str, accepted: pl.DataFrame) -> pl.DataFrame:
    """Accepted rows in the core table's shape (unknown materials rolled up to their group)."""
    if dataset == "flows":
        accepted = roll_up_unknown_materials(accepted.lazy()).collect()
    return accepted.select(list(TABLES[f"core.{dataset}"]))


def is_large(resources: Resources, submission: Submission) -> bool:
    """A CSV file larger than a validation batch: validated part by part (`flows.large_files`)."""
    suffix = Path(file_name(submission)).suffix.lower()
    return suffix == ".csv" and submission.size > resources.settings.validation_batch_bytes


def registered_region(resources: Resources, member_id: str) -> str | None:
    """The member's region in the registry: the region of its rows that name none."""
    member = resources.ledger.get_member(member_id)
    return member.region if member else None


# The column whose values a submission replaces in its member's slice of the core table (None: all of it).
SCOPE_COLUMN: dict[str, str | None] = {"flows": "period", "progress": "year", "targets": None}


@dataclass(frozen=True)
class Checked:
    """One submission after validation: its report and its accepted rows in the core table's shape."""

    submission: Submission
    report: Report
    accepted: pl.DataFrame
    message: str | None
    counted: dict[str, int] | None = None  # rows per scope, when the accepted rows are not held (a large file)

    @property
    def scope(self) -> tuple[str, ...]:
        """The periods (years, or all targets) its accepted rows cover: what it replaces for its member."""
        return tuple(sorted(self.rows_per_scope))

    @cached_property
    def rows_per_scope(self) -> dict[str, int]:
        """Accepted rows in each period (year, or all targets) of the scope (counted once)."""
        if self.counted is not None:
            return dict(self.counted)
        return rows_per_scope(self.submission.dataset, self.accepted)


def rows_per_scope(dataset: str, accepted: pl.DataFrame) -> dict[str, int]:
    """Accepted rows of a dataset in each period (year, or all targets) they cover."""
    column = SCOPE_COLUMN[dataset]
    if column is None:
        return {ALL_TARGETS: accepted.height} if accepted.height else {}
    counts = accepted.group_by(pl.col(column).cast(pl.String)).len()
    return {str(value): int(count) for value, count in counts.iter_rows()}


def _check(resources: Resources, item: _Loaded, result: ValidationResult | None) -> Checked:
    """Build the member's report, keep refused rows in quarantine, shape accepted rows for the core table."""
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
    )
    if result.quarantined.height:
        _write_quarantine(resources, submission, item.raw.frame, result.quarantined)
    return Checked(submission, report, core_rows(submission.dataset, result.accepted), None)


def _write_core(resources: Resources, dataset: str, checked: Sequence[Checked]) -> None:
    """Replace each member's slices of the core table with accepted rows: one Iceberg commit for the batch."""
    column = SCOPE_COLUMN[dataset]
    frames: list[pl.DataFrame] = []
    members_by_scope: dict[tuple[str, ...], list[str]] = {}
    for one, owned in owned_scopes(resources, checked):
        if not owned:
            continue
        rows = one.accepted
        if column is not None and owned != one.scope:
            rows = rows.filter(pl.col(column).cast(pl.String).is_in(list(owned)))
        frames.append(rows)
        members_by_scope.setdefault(owned, []).append(one.submission.member_id)
    if not frames:
        return
    match = [core_slice(dataset, members, values) for values, members in members_by_scope.items()]
    resources.warehouse.replace(f"core.{dataset}", pl.concat(frames, how="vertical"), match=match)


def core_slice(dataset: str, members: Sequence[str], scope: Sequence[str]) -> dict[str, list[str]]:
    """The slice of a core table that members' files replace: their rows in the periods of `scope`."""
    column = SCOPE_COLUMN[dataset]
    return {"member_id": list(members), **({column: list(scope)} if column is not None else {})}


def owned_scopes(resources: Resources, checked: Sequence[Checked]) -> list[tuple[Checked, tuple[str, ...]]]:
    """Each submission with the periods of its scope it writes to the core table.

    Where two submissions of one member cover the same period, the later one's rows win, as if they had
    been written one after the other, also when the later one was validated in an earlier run.
    """
    owner: dict[tuple[str, str], str] = {}
    for one in checked:  # in arrival order
        held = resources.ledger.newer_holders(one.submission.submission_id, one.scope)  # validated earlier
        for value in one.scope:
            owner[(one.submission.member_id, value)] = held.get(value, one.submission.submission_id)
    return [
        (one, tuple(v for v in one.scope if owner[(one.submission.member_id, v)] == one.submission.submission_id))
        for one in checked
    ]


def record_outcome(resources: Resources, checked: Checked) -> SubmissionOutcome:
    """Store the member's report and record the outcome in the ledger (last, so a crash before it redoes all)."""
    submission, report = checked.submission, checked.report
    html_key = keys.report_key(submission.member_id, submission.dataset, submission.submission_id, extension="html")
    json_key = keys.report_key(submission.member_id, submission.dataset, submission.submission_id, extension="json")
    resources.storage.put_bytes(html_key, report.to_html().encode("utf-8"), content_type="text/html; charset=utf-8")
    resources.storage.put_bytes(
        json_key,
        json.dumps(report.to_json(), ensure_ascii=False, indent=2).encode("utf-8"),
        content_type="application/json",
    )
    outcome = SubmissionOutcome(
        submission_id=submission.submission_id,
        member_id=submission.member_id,
        dataset=submission.dataset,
        key=submission.key,
        status=report.status,
        n_read=report.n_read,
        n_accepted=report.n_accepted,
        n_quarantined=report.n_quarantined,
        n_warnings=report.n_warnings,
        report_key=html_key,
        periods=checked.scope,
        message=checked.message,
    )
    resources.ledger.record_validation(
        outcome.submission_id,
        status=report.status,
        n_read=outcome.n_read,
        n_accepted=outcome.n_accepted,
        n_quarantined=outcome.n_quarantined,
        n_warnings=outcome.n_warnings,
        report_key=html_key,
        periods=checked.rows_per_scope,
        message=outcome.message,
    )
    if outcome.periods:
        superseded = resources.ledger.supersede_older(outcome.submission_id)
        if superseded:
            logger.info("%s supersedes %s", outcome.submission_id, ", ".join(superseded))
    return outcome


def _write_quarantine(
    resources: Resources, submission: Submission, raw: pl.DataFrame, quarantined: pl.DataFrame
) -> None:
    """Keep the rows as the member sent them, with the checks each failed."""
    buffer = io.BytesIO()
    quarantine_rows(raw, quarantined).write_parquet(buffer)
    key = keys.quarantine_key(submission.member_id, submission.dataset, submission.submission_id)
    resources.storage.put_bytes(key, buffer.getvalue(), content_type=QUARANTINE_CONTENT_TYPE)


QUARANTINE_CONTENT_TYPE = "application/vnd.apache.parquet"


def quarantine_rows(raw: pl.DataFrame, quarantined: pl.DataFrame) -> pl.DataFrame:
    """The member's text of the quarantined rows, with the checks each failed."""
    return raw.join(quarantined.select("source_row", "failed_checks"), on="source_row", how="inner")


# --- publishing -------------------------------------------------------------------------------


PUBLISH_ATTEMPTS = 5
T = TypeVar("T")


def _on_stable_input(resources: Resources, watched: Sequence[str], work: Callable[[], T], *, what: str) -> T:
    """Run `work` until the tables it reads did not change while it ran (a concurrent run wrote to them).

    So the last publish always reflects the latest core, whatever the interleaving of runs.
    """
    for _ in range(PUBLISH_ATTEMPTS):
        seen = [resources.warehouse.snapshot_id(table) for table in watched]
        result = work()
        if [resources.warehouse.snapshot_id(table) for table in watched] == seen:
            return result
        logger.info("%s changed while publishing %s; publishing again", ", ".join(watched), what)
    msg = f"{', '.join(watched)} kept changing while publishing {what}; the next run will publish it"
    raise RuntimeError(msg)


def publish_period(resources: Resources, period: str, *, timings: Timings | None = None) -> dict[str, int]:
    """Rebuild every published table's slice for one period from `core.flows`; returns rows per table.

    `mart.*` cells that would reveal one organisation are suppressed; `core.member_indicators` keeps them.
    """
    with timed(timings, "publish"):
        return _on_stable_input(resources, ["core.flows"], lambda: _publish_period_once(resources, period), what=period)


def _publish_period_once(resources: Resources, period: str) -> dict[str, int]:
    minimum = resources.settings.disclosure_min_contributors
    share = resources.settings.disclosure_dominance_share
    flows = flow_cells(resources, period).lazy()
    member_indicators = compute_indicators(flows, by_member=True).collect()
    built: dict[str, pl.DataFrame | pl.LazyFrame] = {
        "core.member_indicators": member_indicators,
        "mart.flows": suppress_flows(
            summarize_flows(flows), core_flows=flows, min_contributors=minimum, dominance_share=share
        ),
        "mart.stage_balance": suppress_stage_balance(
            compute_stage_balance(flows), core_flows=flows, min_contributors=minimum, dominance_share=share
        ),
        "mart.indicators": suppress_indicators(
            compute_indicators(flows),
            member_indicators=member_indicators.lazy(),
            min_contributors=minimum,
            dominance_share=share,
        ),
        "mart.sankey_links": suppress_sankey(
            build_sankey_links(flows), core_flows=flows, min_contributors=minimum, dominance_share=share
        ),
    }
    frames = {table: frame if isinstance(frame, pl.DataFrame) else frame.collect() for table, frame in built.items()}
    for table, frame in frames.items():
        resources.warehouse.replace(table, frame, match={"period": [period]})
    return {table: frame.height for table, frame in frames.items()}


# What every mart of a period needs from core.flows: a member's flows summed over its processes and files.
FLOW_CELL_KEYS = ("member_id", *PERIOD_COLUMNS, "material", "material_group", "region", "source_stage", "target_stage")
# Exact sums: tonnes to the milligram, as 128-bit decimals.
_EXACT_T = pl.Decimal(38, 9)


def flow_cells(resources: Resources, period: str) -> pl.DataFrame:
    """core.flows of a period summed per member, material, region and stage pair, reading one batch at a time.

    The sums are exact (decimal tonnes to the milligram), so they do not depend on the order rows are read
    in: republishing gives identical floats. Memory grows with the cells, not with the rows: keys are held
    as categories while summing, and batches' partial sums are merged into the totals as they come.
    """
    keys = list(FLOW_CELL_KEYS)
    varying = [name for name in keys if name not in PERIOD_COLUMNS]  # the period's columns are one value
    exact = pl.col("quantity_t").cast(_EXACT_T).sum()
    schema = TABLES["core.flows"]
    totals: pl.DataFrame | None = None
    period_values: dict[str, object] = {}
    pending: list[pl.DataFrame] = []
    for batch in resources.warehouse.batches("core.flows", where={"period": [period]}, columns=[*keys, "quantity_t"]):
        if batch.is_empty():
            continue
        period_values = batch.select(list(PERIOD_COLUMNS)).row(0, named=True)
        pending.append(batch.select(pl.col(varying).cast(pl.Categorical()), "quantity_t").group_by(varying).agg(exact))
        if sum(frame.height for frame in pending) > CELL_MERGE_ROWS:
            totals = pl.concat([*([] if totals is None else [totals]), *pending]).group_by(varying).agg(exact)
            pending = []
    if totals is None and not pending:
        return pl.DataFrame(schema={name: schema[name] for name in [*keys, "quantity_t"]})
    totals = pl.concat([*([] if totals is None else [totals]), *pending]).group_by(varying).agg(exact)
    return (
        totals.select(
            *(pl.lit(value, dtype=schema[name]).alias(name) for name, value in period_values.items()),
            *(pl.col(name).cast(schema[name]) for name in varying),
            pl.col("quantity_t").cast(pl.Float64()),
        )
        .select(*keys, "quantity_t")
        .sort(keys, nulls_last=True)
    )


CELL_MERGE_ROWS = 500_000  # partial sums held before they are merged into a period's running totals


def publish_targets(resources: Resources, *, as_of: date, timings: Timings | None = None) -> dict[str, int]:
    """Rebuild target progress (member-level and public) and the secretariat's compliance view, whole."""
    watched = ["core.targets", "core.progress", "core.member_indicators"]
    with timed(timings, "publish"):
        return _on_stable_input(
            resources, watched, lambda: _publish_targets_once(resources, as_of=as_of), what="targets"
        )


def _publish_targets_once(resources: Resources, *, as_of: date) -> dict[str, int]:
    warehouse = resources.warehouse
    targets = warehouse.read("core.targets").lazy()
    progress = warehouse.read("core.progress").lazy()
    members = members_frame(resources).lazy()
    target_progress = compute_target_progress(
        targets, progress, warehouse.read("core.member_indicators").lazy(), as_of_year=as_of.year
    ).collect()
    minimum = resources.settings.disclosure_min_contributors
    frames = {
        "core.target_progress": target_progress,
        "mart.target_progress": summarize_target_progress(
            target_progress.lazy(), members, min_contributors=minimum
        ).collect(),
        "mart.target_compliance": compute_compliance(
            members,
            targets,
            progress,
            as_of=as_of,
            target_set_on=_targets_set_on(resources).lazy(),
            min_contributors=minimum,
        ).collect(),
    }
    for table, frame in frames.items():
        warehouse.replace(table, frame, match={})
    return {table: frame.height for table, frame in frames.items()}


def members_frame(resources: Resources) -> pl.DataFrame:
    """The member registry in the members contract's shape."""
    members = resources.ledger.list_members()
    schema = MEMBERS.schema
    return pl.DataFrame(
        [{name: getattr(member, name) for name in schema} for member in members], schema=schema, orient="row"
    )


def _targets_set_on(resources: Resources) -> pl.DataFrame:
    """When each member first had targets accepted: the day its first accepted targets file arrived."""
    accepted = ("valid", "partially_valid", "published", "superseded")
    rows = [
        {"member_id": s.member_id, "set_on": s.received_at.date()}
        for s in resources.ledger.submissions(dataset="targets")
        if s.status in accepted and s.n_accepted
    ]
    frame = pl.DataFrame(rows, schema={"member_id": pl.String(), "set_on": pl.Date()})
    return frame.group_by("member_id").agg(pl.col("set_on").min()).sort("member_id")


def published_periods(resources: Resources) -> pl.DataFrame:
    """Periods present in `core.flows` with their start and end, in time order."""
    return (
        resources.warehouse.read("core.flows")
        .select("period", "period_start", "period_end")
        .unique()
        .sort("period_start", "period_end", "period")
    )


def periods_between(resources: Resources, period_from: str, period_to: str) -> list[str]:
    """Published periods that lie within [start of period_from, end of period_to]."""
    start, _ = period_bounds(period_from)
    _, end = period_bounds(period_to)
    known = published_periods(resources)
    inside = known.filter((pl.col("period_start") >= start) & (pl.col("period_end") <= end))
    return inside.get_column("period").to_list()


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period as an operator writes it (FY2024, 2024, 2024-05, 令和6年度)."""
    parsed = parse_period(pl.lit(period))
    bounds = pl.select([expression.alias(name) for name, expression in parsed.items()]).row(0, named=True)
    if bounds["period_start"] is None:
        msg = f"{period!r} is not a period; write it like {', '.join(periods.EXAMPLES)}"
        raise ValueError(msg)
    return bounds["period_start"], bounds["period_end"]


def has_work(resources: Resources) -> bool:
    """Whether a nightly run would do anything: sources to pull, new inbox objects, unfinished submissions."""
    return bool(
        resources.ledger.list_sources()
        or unseen_inbox_keys(resources)
        or resources.ledger.pending_submissions()
        or unpublished_submissions(resources)
    )


def unpublished_submissions(resources: Resources) -> list[Submission]:
    """Submissions whose accepted rows are in core but whose periods have not been republished since."""
    return [
        submission
        for status in ("valid", "partially_valid")
        for submission in resources.ledger.submissions(status=status)
    ]
