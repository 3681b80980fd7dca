"""A large file validated and written part by part, so a worker's memory holds one part, not the file.

A CSV larger than a validation batch (`JUNKAN_VALIDATION_BATCH_BYTES`) is read in chunks of
`PART_ROWS` rows (`infra.readers.csv_chunks`), each normalised and kept as a Parquet part on local disk;
`expectations.validate.validate_parts` judges the parts as `validate` would judge the whole file (its
cross-row rules see every row); accepted rows go to the core table in one Iceberg commit, appended part
by part; the report keeps counts and the listed rows only. The outcome is the same as reading the file
whole: the equality is tested in `tests/unit/flows/stages/test_large.py`.
"""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from pathlib import Path

import polars as pl

from expectations.report import ReportParts
from flows.stages.judge import (
    Checked,
    load_references,
    normalized,
    quarantine_rows,
    rows_per_scope,
    submission_info,
    unregistered_member_ids,
    with_lineage,
    written_member_ids,
)
from flows.stages.receive import download_submission, file_name
from flows.stages.record import QUARANTINE_CONTENT_TYPE, record_outcomes, write_core
from flows.stages.summary import SubmissionOutcome, Timings, timed
from infra.ledger import Submission
from infra.readers import read_csv_chunks
from infra.readers.limits import limits_from_settings
from infra.resources import Resources
from infra.storage import keys
from schemas import get_contract
from transforms.core_shaping import core_rows

logger = logging.getLogger(__name__)

PART_ROWS = 100_000  # rows per part: a part's frames, pandas copy and GX results stay within ~300 MiB


def judge_and_record_large(
    resources: Resources, submission: Submission, *, timings: Timings | None = None, part_rows: int = PART_ROWS
) -> SubmissionOutcome | None:
    """Validate, write and record one large CSV submission part by part.

    None when the file cannot be read in parts exactly (the caller then reads it whole, which also gives
    any rejection) or when its object changed since it was received (it is then retired, as in a batch).
    """
    from expectations.validate import validate_parts

    dataset = submission.dataset
    contract = get_contract(dataset)
    with tempfile.TemporaryDirectory(prefix="junkan-large-") as workdir:
        work = Path(workdir)
        with timed(timings, "read"):
            local = download_submission(resources, submission, work)
            if local is None:
                return None
            chunks = read_csv_chunks(
                local,
                contract,
                workdir=work,
                name=file_name(submission),
                limits=limits_from_settings(resources.settings),
                chunk_rows=part_rows,
            )
            if chunks is None:
                logger.info("%s cannot be read in parts exactly; reading it whole", submission.key)
                return None
            parts: list[Path] = []
            written: set[str] = set()
            for index, raw in enumerate(chunks.frames()):
                parts.append(work / f"normalised-{index:05d}.parquet")
                rows = with_lineage(resources, submission, raw)
                written |= written_member_ids([rows])
                normalized(rows, contract).write_parquet(parts[-1])
        with timed(timings, "validate"):
            report = ReportParts(
                submission=submission_info(submission),
                contract=contract,
                ignored_columns=chunks.ignored_columns,
                unregistered=unregistered_member_ids(resources, written),
            )
            accepted_parts: list[Path] = []
            quarantined_parts: list[Path] = []
            counted: Counter[str] = Counter()
            references = load_references(resources, dataset, [submission.member_id])
            results = validate_parts(contract, parts, references=references)
            for index, (result, raw) in enumerate(zip(results, chunks.frames(), strict=True)):
                report.add(result, raw)
                accepted = core_rows(dataset, result.accepted, received_at=submission.received_at)
                counted.update(rows_per_scope(dataset, accepted))
                accepted_parts.append(work / f"accepted-{index:05d}.parquet")
                accepted.write_parquet(accepted_parts[-1])
                if result.quarantined.height:
                    quarantined_parts.append(work / f"quarantined-{index:05d}.parquet")
                    quarantine_rows(raw, result.quarantined).write_parquet(quarantined_parts[-1])
        with timed(timings, "write"):
            checked = Checked(submission, report.report(), accepted=pl.DataFrame(), message=None, counted=dict(counted))
            (checked,), replaced = write_core(resources, dataset, [checked], parts=accepted_parts)
            if quarantined_parts:
                joined = work / "quarantined.parquet"
                pl.scan_parquet(quarantined_parts).sink_parquet(joined)
                key = keys.quarantine_key(submission.member_id, dataset, submission.submission_id)
                resources.storage.put_file(key, joined, content_type=QUARANTINE_CONTENT_TYPE)
            (outcome,) = record_outcomes(resources, [checked], replaced=replaced)
            return outcome
