"""Members' files of every dataset in every format, read and judged as a batch is: nothing crashes, no row is lost.

Hypothesis writes files as offices and their systems save them (`member_files`): CSV in UTF-8 or CP932,
workbooks, JSON Lines, Parquet, with the flaws members' files have. Each is read as an upload is; the reader
must refuse exactly the flawed ones, with a readable bilingual message, and read the others row for row. The
files read are then judged together, as a nightly batch is (`flows.stages.judge`: lineage, normalise and one
validation per batch of submissions), and every report must count rows read = accepted + set aside, its
messages readable. Validation runs once per batch, not per file: Great Expectations' fixed cost per call
would otherwise be the whole run.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expectations.report import SubmissionInfo, build_rejection_report, build_report
from flows.stages.check import describe
from flows.stages.judge import lineage, validate_rows
from infra.readers import RawTable, read_table
from schemas import get_contract
from schemas.datasets import DATASET_SPECS, references_of
from schemas.errors import FileRejected
from tests.unit.fuzz.member_files import EXTENSIONS, FORMATS, MemberFile, member_file
from tests.unit.fuzz.member_tables import MEMBER_ID, Table, tables
from tests.unit.fuzz.support import FUZZ, FuzzStats, assert_readable, fuzz_stats

# Submissions per validation call, as a batch of the nightly run holds them.
BATCH_SUBMISSIONS = 400
# Tables per dataset, each saved in every format: 10 in `make test` (400 files in all), a sixth of
# JUNKAN_FUZZ_EXAMPLES in `make fuzz`.
MEMBERS_FUZZ = settings(FUZZ, max_examples=max(FUZZ.max_examples // 6, 2))
RECEIVED = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize("dataset", sorted(DATASET_SPECS))
def test_members_files_are_read_and_judged_without_losing_a_row(dataset: str, tmp_path: Path) -> None:
    read: list[tuple[MemberFile, RawTable]] = []
    with fuzz_stats(f"members.{dataset}") as stats:

        @MEMBERS_FUZZ
        @given(table=tables(dataset), data=st.data())
        def check(table: Table, data: st.DataObject) -> None:
            for file_format in FORMATS:
                file = data.draw(member_file(table, file_format), label=file_format)
                outcome = read_one(stats, file, tmp_path)
                if outcome is not None:
                    read.append((file, outcome))

        check()
        judge(stats, dataset, read)
    assert stats.crashed == 0
    assert stats.lost == 0
    assert stats.clean > 0  # the strategy reaches the rows, not only the refusals
    assert stats.rejected > 0


def read_one(stats: FuzzStats, file: MemberFile, directory: Path) -> RawTable | None:
    """Read a file as an upload is: refused exactly when it must be, else every row, as the member wrote it."""
    contract = get_contract(file.dataset)
    path = directory / f"upload{EXTENSIONS[file.format]}"
    path.write_bytes(file.data)
    outcome = stats.attempt(lambda: read_table(path, contract, name=file.name), file=file.name)
    if isinstance(outcome, FileRejected):
        assert file.must_reject, f"{file.format} file refused: {outcome}"
        info = SubmissionInfo("rejected", MEMBER_ID, file.dataset, file.name, RECEIVED)
        json.dumps(build_rejection_report(submission=info, rejected=outcome).to_json())
        return None
    assert not file.must_reject, f"{file.format} file read although {file.must_reject}"
    if outcome.n_rows != file.n_rows:
        stats.lost += abs(outcome.n_rows - file.n_rows)
    assert outcome.n_rows == file.n_rows == outcome.frame.height, file.format
    if file.rows is not None:
        want = [{column: row.get(column) for column in contract.read_schema} for row in file.rows]
        assert outcome.frame.drop("source_row").to_dicts() == want, file.format
    return outcome


def judge(stats: FuzzStats, dataset: str, read: list[tuple[MemberFile, RawTable]]) -> None:
    """Validate the files read in batches, as the nightly run does, and check every member's report."""
    contract = get_contract(dataset)
    references = {name: reference.empty() for name, reference in references_of(dataset).items()}
    for start in range(0, len(read), BATCH_SUBMISSIONS):
        batch = {f"sub-{start + index}": item for index, item in enumerate(read[start : start + BATCH_SUBMISSIONS])}
        frames = [
            lineage(raw.frame, submission_id=submission, submitter_id=MEMBER_ID, registered_region="JP-40")
            for submission, (_, raw) in batch.items()
        ]
        try:
            result = validate_rows(contract, pl.concat(frames), references=references)
        except BaseException:
            stats.crashed += 1
            raise
        for submission, (file, raw) in batch.items():
            info = SubmissionInfo(submission, MEMBER_ID, dataset, file.name, RECEIVED)
            report = build_report(
                submission=info,
                contract=contract,
                result=result.of(submission),
                raw=raw.frame,
                ignored_columns=raw.ignored_columns,
                sheets=raw.sheets,
                skipped_sheets=raw.skipped_sheets,
            )
            counts = report.counts
            if counts.read != raw.n_rows or counts.read != counts.accepted + counts.quarantined:
                stats.lost += abs(raw.n_rows - counts.accepted - counts.quarantined) or 1
            for row in (*report.errors, *report.warnings):
                assert row.row >= 1
                assert row.column
                assert_readable(row.message_en, row.message_ja)
            assert file.name in describe(report)
            json.dumps(report.to_json())
