"""Files made the way offices make them, and the judging path `junkan validate` runs on them.

Workbooks typed by hand in openpyxl (Japanese headers and labels, a 備考 column), CSVs saved by Excel on a
Japanese Windows (CP932, CRLF), text pasted from web pages: never files junkan's own code wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import polars as pl

from expectations.report import Report, ReportRow, SubmissionInfo, build_report
from expectations.result import ValidationResult
from flows.stages.judge import lineage, validate_rows
from infra.readers import read_table
from schemas import get_contract
from schemas.contract import Contract
from schemas.datasets import references_of

MEMBER = "city-a"
# Headers as a city office types them: the Japanese names the contract lists.
FLOWS_HEADER = ["会員ID", "年度", "品目", "投入元工程", "投入先工程", "数量", "単位", "地域", "投入先", "備考"]


def workbook(path: Path, header: list[str], rows: list[list[object]], *, sheet: str = "報告") -> Path:
    """A workbook typed by hand: one sheet, a header row, the rows as typed (text and numbers)."""
    book = openpyxl.Workbook()
    active = book.active
    assert active is not None
    active.title = sheet
    active.append(header)
    for row in rows:
        active.append(row)
    book.save(path)
    return path


def cp932_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """A CSV as Excel on a Japanese Windows saves it: CP932, CRLF."""
    lines = [",".join(header), *(",".join(values) for values in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    return path


@dataclass(frozen=True)
class Judged:
    """A file judged as `junkan validate` judges it: the validation result and the member's report."""

    result: ValidationResult
    report: Report

    def rows(self, severity: str, column: str | None = None) -> list[ReportRow]:
        """The report's listed errors or warnings, of one column if given."""
        listed = self.report.errors if severity == "error" else self.report.warnings
        return [row for row in listed if column is None or row.column == column]

    def accepted(self, *columns: str) -> list[tuple[object, ...]]:
        """The accepted rows' values of `columns`, by source row."""
        return self.result.accepted.sort("source_row").select(columns).rows()

    def assert_no_row_lost(self) -> None:
        """Rows read = rows accepted + rows set aside, in the report as in the result."""
        counts = self.report.counts
        assert counts.read == counts.accepted + counts.quarantined
        assert (counts.accepted, counts.quarantined) == (self.result.accepted.height, self.result.quarantined.height)


def judge_file(
    path: Path, *, dataset: str = "flows", contract: Contract | None = None, known: Mapping[str, pl.DataFrame] = {}
) -> Judged:
    """Read, normalise and validate a file as `junkan validate` does for MEMBER; build its report.

    Nothing is known (no ledger) but the rows of `known`, by the names `schemas.datasets` registers.
    """
    contract = contract or get_contract(dataset)
    raw = read_table(path, contract)
    frame = lineage(raw.frame, submission_id="check", submitter_id=MEMBER, registered_region=None)
    references = {name: known.get(name, reference.empty()) for name, reference in references_of(contract.name).items()}
    result = validate_rows(contract, frame, references=references)
    info = SubmissionInfo("check", MEMBER, contract.name, path.name, datetime(2025, 6, 1, tzinfo=UTC))
    report = build_report(
        submission=info,
        contract=contract,
        result=result,
        raw=raw.frame,
        ignored_columns=raw.ignored_columns,
        sheets=raw.sheets,
        skipped_sheets=raw.skipped_sheets,
    )
    return Judged(result, report)
