"""The validation report a member reads to fix their file: its content, and JSON for machines.

The bilingual HTML page is rendered by `infra.rendering.member_report`.

Over 400 lines because the report's records and their assembly from a batch's results change together whenever a
check is added (split, every new check would touch both halves); the
wording of a row's problem that quotes its value is in `expectations.wording`, the notes on cells read as other
than written (labels, invisible characters) in `expectations.notes`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from expectations.notes import cell_notes
from expectations.relations import FileRelation
from expectations.result import ValidationResult
from expectations.wording import VocabularyWording, not_a_number, not_registered, vocabulary_wordings
from schemas.contract import Contract
from schemas.errors import FileRejected
from schemas.outcomes import Counts, SubmissionStatus
from schemas.vocabulary import Term
from schemas.workbooks import Sheet, SkippedSheet, sheet_row

REPORT_VERSION = 1
MAX_LISTED = 1_000
MAX_VALUE_CHARS = 200

STATUS_LABELS: dict[SubmissionStatus, tuple[str, str]] = {
    SubmissionStatus.VALID: ("Valid: every row was accepted", "受理: すべての行を受け付けました"),
    SubmissionStatus.PARTIALLY_VALID: (
        "Partially valid: some rows were set aside; fix them and resubmit those rows",
        "一部受理: 一部の行を保留しました。該当行を修正して再提出してください",
    ),
    SubmissionStatus.REJECTED: (
        "Rejected: nothing was accepted; fix the file and submit it again",
        "不受理: 受け付けた行はありません。ファイルを修正して再提出してください",
    ),
}


@dataclass(frozen=True)
class SubmissionInfo:
    """Which file a report is about."""

    submission_id: str
    member_id: str
    dataset: str
    file_name: str
    received_at: datetime


@dataclass(frozen=True)
class ReportRow:
    """One failed check on one row of the member's file, with the value they sent."""

    row: int
    column: str
    value: str | None
    check_id: str
    message_en: str
    message_ja: str
    sheet: str | None = None  # the workbook sheet of the row (`row` is then the sheet's own row number)

    def to_json(self) -> dict[str, Any]:
        """Stable keys for machines; `sheet` only for a row of a workbook, so other files' reports are unchanged."""
        found = {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "check_id": self.check_id,
            "message_en": self.message_en,
            "message_ja": self.message_ja,
        }
        return found if self.sheet is None else {"sheet": self.sheet, **found}


@dataclass(frozen=True)
class Rejection:
    """Why a whole file was refused, and where if known."""

    message_en: str
    message_ja: str
    row: int | None = None
    column: str | None = None


@dataclass(frozen=True)
class FileWarning:
    """A remark on the whole file rather than on one row."""

    message_en: str
    message_ja: str


@dataclass(frozen=True)
class CodeList:
    """Every code a column allows, with its names: the report's appendix, for a column a row wrote a wrong code in."""

    column: str
    codes: tuple[Term, ...]

    def to_json(self) -> dict[str, Any]:
        """Stable keys for machines."""
        return {
            "column": self.column,
            "codes": [{"code": term.code, "label_en": term.label_en, "label_ja": term.label_ja} for term in self.codes],
        }


NO_ROWS = FileWarning(
    "the file has a header but no data rows: nothing was read from it; check that you sent the right file",
    "ファイルにはヘッダーだけでデータ行がありません。提出するファイルが正しいか確認してください",
)


@dataclass(frozen=True)
class Report:
    """A member's validation report for one submission."""

    submission: SubmissionInfo
    status: SubmissionStatus
    counts: Counts
    errors: tuple[ReportRow, ...] = ()
    errors_not_listed: int = 0
    warnings: tuple[ReportRow, ...] = ()
    warnings_not_listed: int = 0
    ignored_columns: tuple[str, ...] = ()
    rejection: Rejection | None = None
    sheets: tuple[str, ...] = ()  # the workbook sheets read, in order
    skipped_sheets: tuple[SkippedSheet, ...] = ()
    file_warnings: tuple[FileWarning, ...] = ()
    relations: tuple[FileRelation, ...] = ()  # the member's other files this one replaced, or adds to
    appendix: tuple[CodeList, ...] = ()  # every code of each column a row wrote a wrong code in, never cut

    @property
    def replaced(self) -> bool:
        """Whether a newer file replaced this one, so that none of its rows count."""
        return any(relation.relation == "replaced_by" for relation in self.relations)

    def to_json(self) -> dict[str, Any]:
        """Machine-readable report with stable keys."""
        return {
            "report_version": REPORT_VERSION,
            "status": self.status,
            "submission": {
                "submission_id": self.submission.submission_id,
                "member_id": self.submission.member_id,
                "dataset": self.submission.dataset,
                "file_name": self.submission.file_name,
                "received_at": self.submission.received_at.isoformat(),
            },
            "summary": {
                "n_read": self.counts.read,
                "n_accepted": self.counts.accepted,
                "n_quarantined": self.counts.quarantined,
                "n_warnings": self.counts.warnings,
            },
            "errors": [row.to_json() for row in self.errors],
            "errors_not_listed": self.errors_not_listed,
            "warnings": [row.to_json() for row in self.warnings],
            "warnings_not_listed": self.warnings_not_listed,
            "ignored_columns": list(self.ignored_columns),
            "sheets": list(self.sheets),
            "skipped_sheets": [
                {"name": sheet.name, "reason_en": sheet.reason_en, "reason_ja": sheet.reason_ja}
                for sheet in self.skipped_sheets
            ],
            "file_warnings": [
                {"message_en": warning.message_en, "message_ja": warning.message_ja} for warning in self.file_warnings
            ],
            "relations": [relation.to_json() for relation in self.relations],
            "appendix": [codes.to_json() for codes in self.appendix],
            "rejection": None
            if self.rejection is None
            else {
                "message_en": self.rejection.message_en,
                "message_ja": self.rejection.message_ja,
                "row": self.rejection.row,
                "column": self.rejection.column,
            },
        }


def build_report(
    *,
    submission: SubmissionInfo,
    contract: Contract,
    result: ValidationResult,
    raw: pl.DataFrame,
    ignored_columns: Sequence[str] = (),
    sheets: Sequence[Sheet] = (),
    skipped_sheets: Sequence[SkippedSheet] = (),
    unregistered: Mapping[str, Sequence[str]] | None = None,
    max_listed: int = MAX_LISTED,
    notes: pl.DataFrame | None = None,
) -> Report:
    """Report on one submission of a (possibly batched) validation, showing the raw text the member sent.

    `raw` holds `source_row` and the member's columns as text (`contract.read_schema`). Errors and
    warnings are each listed up to `max_listed` rows; the report says how many more there are. For a
    workbook, `sheets` (as the reader numbered their rows) name the sheet of every listed row.
    `unregistered` maps member ids the file names that the registry does not hold (as normalised) to the
    registered ids close to each: a row naming one is told so, with "did you mean", instead of only that
    it is not the submitter. `notes` are the file's `cell_notes`, when the caller found them for its whole batch.
    """
    parts = ReportParts(
        submission=submission,
        contract=contract,
        ignored_columns=ignored_columns,
        sheets=sheets,
        skipped_sheets=skipped_sheets,
        unregistered=unregistered,
        max_listed=max_listed,
    )
    parts.add(result, raw, notes=notes)
    return parts.report()


class ReportParts:
    """One submission's report built from the results of its parts, in file order (see `validate_parts`).

    Only counts and the listed rows are kept, so a file of millions of rows costs no more than its listing.
    """

    def __init__(
        self,
        *,
        submission: SubmissionInfo,
        contract: Contract,
        ignored_columns: Sequence[str] = (),
        sheets: Sequence[Sheet] = (),
        skipped_sheets: Sequence[SkippedSheet] = (),
        unregistered: Mapping[str, Sequence[str]] | None = None,
        max_listed: int = MAX_LISTED,
    ) -> None:
        self.submission = submission
        self.contract = contract
        self.ignored_columns = tuple(ignored_columns)
        self.sheets = tuple(sheets)
        self.skipped_sheets = tuple(skipped_sheets)
        self.max_listed = max_listed
        self.counts = {"n_read": 0, "n_accepted": 0, "n_quarantined": 0, "n_warnings": 0}
        self.totals = {"error": 0, "warning": 0}
        self.listed: dict[str, list[ReportRow]] = {"error": [], "warning": []}
        # A check on a derived column (material_group) is about what the member sent in its source (material).
        self._sources = {column.name: column.derived_from for column in contract.columns if column.derived_from}
        self._rule_columns = {rule.id: rule.columns for rule in contract.rules}
        self._members = _MemberIds(
            submitter=submission.member_id,
            checks=frozenset(rule.id for rule in contract.rules if rule.kind == "equals_submitter"),
            unregistered=dict(unregistered or {}),
        )
        self._vocabularies = vocabulary_wordings(contract)
        self._wrong_codes: set[str] = set()  # columns a row wrote a wrong code in: their codes go in the appendix
        self._numbers = {
            f"{column.name}.required": column.dtype.is_integer()
            for column in contract.columns
            if column.dtype.is_numeric()
        }

    def add(self, result: ValidationResult, raw: pl.DataFrame, *, notes: pl.DataFrame | None = None) -> None:
        """Count a part's rows and list its failures while the listing has room; `raw` is the part as read.

        `notes` are the part's `cell_notes` when the caller found them already (for a batch of files at once).
        """
        mine = pl.col("submission_id") == self.submission.submission_id
        summary = result.summary().filter(mine)
        if summary.height:
            for name, value in summary.select(*self.counts).row(0, named=True).items():
                self.counts[name] += int(value)
        # The notes on cells read as other than written are warnings of their rows, after the checks' ones.
        notes = (cell_notes(self.contract, raw) if notes is None else notes.drop("submission_id", strict=False)).select(
            pl.lit(self.submission.submission_id).alias("submission_id"), pl.all()
        )
        self.counts["n_warnings"] += notes.height
        failures = pl.concat([result.failures.filter(mine), notes], how="diagonal_relaxed").sort(
            "source_row", maintain_order=True
        )
        wrong = failures.filter(pl.col("check_id").is_in(list(self._vocabularies)))
        self._wrong_codes |= {self._vocabularies[check_id].column for check_id in wrong.get_column("check_id").unique()}
        listed: dict[str, pl.DataFrame] = {}
        for severity in self.totals:
            of_severity = failures.filter(pl.col("severity") == severity)
            self.totals[severity] += of_severity.height
            listed[severity] = of_severity.head(max(self.max_listed - len(self.listed[severity]), 0))
        raw_rows = _raw_rows(raw, pl.concat(listed.values()).get_column("source_row"))
        rule_columns = {
            rule_id: tuple(name for name in columns if name in raw.columns)
            for rule_id, columns in self._rule_columns.items()
        }
        for severity, rows in listed.items():
            self.listed[severity] += _report_rows(
                rows,
                raw_rows,
                rule_columns,
                self._sources,
                self._numbers,
                self.sheets,
                members=self._members,
                vocabularies=self._vocabularies,
            )

    def report(self) -> Report:
        """The report on every part added."""
        counts = Counts(
            read=self.counts["n_read"],
            accepted=self.counts["n_accepted"],
            quarantined=self.counts["n_quarantined"],
            warnings=self.counts["n_warnings"],
        )
        return Report(
            submission=self.submission,
            status=counts.status,
            counts=counts,
            errors=tuple(self.listed["error"]),
            errors_not_listed=self.totals["error"] - len(self.listed["error"]),
            warnings=tuple(self.listed["warning"]),
            warnings_not_listed=self.totals["warning"] - len(self.listed["warning"]),
            ignored_columns=self.ignored_columns,
            sheets=tuple(sheet.name for sheet in self.sheets),
            skipped_sheets=self.skipped_sheets,
            file_warnings=(NO_ROWS,) if counts.read == 0 else (),
            appendix=tuple(
                CodeList(column, reader.terms)
                for column, reader in {one.column: one.reader for one in self._vocabularies.values()}.items()
                if column in self._wrong_codes
            ),
        )


def build_rejection_report(
    *, submission: SubmissionInfo, rejected: FileRejected, ignored_columns: Sequence[str] = ()
) -> Report:
    """Report on a file refused as a whole: nothing was read into rows."""
    return Report(
        submission=submission,
        status=SubmissionStatus.REJECTED,
        counts=Counts(),
        ignored_columns=tuple(ignored_columns),
        rejection=Rejection(
            message_en=rejected.message_en, message_ja=rejected.message_ja, row=rejected.row, column=rejected.column
        ),
    )


def _raw_rows(raw: pl.DataFrame, source_rows: pl.Series) -> dict[int, dict[str, Any]]:
    """The member's text of the listed rows only, so a huge bad file costs at most the listed rows."""
    wanted = raw.filter(pl.col("source_row").is_in(source_rows.unique().implode()))
    return {int(row["source_row"]): row for row in wanted.iter_rows(named=True)}


def _shorten(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


@dataclass(frozen=True)
class _MemberIds:
    """What a report knows of the member ids a file names: who sent it, and which ids nobody registered."""

    submitter: str
    checks: frozenset[str]  # the ids of the rules that the member id is the submitter's
    unregistered: Mapping[str, Sequence[str]]  # id as normalised -> registered ids close to it

    def message(self, check_id: str, value: str | None) -> tuple[str, str] | None:
        """The message for a member id nobody registered, or None when the rule's own message says it."""
        if check_id not in self.checks or value is None:
            return None
        written = unicodedata.normalize("NFKC", value).strip()
        if written not in self.unregistered:
            return None
        return not_registered(_shorten(value), self.unregistered[written], submitter=self.submitter)


def _report_rows(
    failures: pl.DataFrame,
    raw_rows: dict[int, dict[str, Any]],
    rule_columns: dict[str, tuple[str, ...]],
    sources: Mapping[str, str],
    numbers: Mapping[str, bool],
    sheets: Sequence[Sheet],
    *,
    members: _MemberIds,
    vocabularies: Mapping[str, VocabularyWording],
) -> tuple[ReportRow, ...]:
    """Failures with the raw text of the failing column; for a multi-column rule, `column=value` of each.

    A required number that is there but does not parse (`12t`, `50%`, `(12)`) is told it is not a number;
    a member id nobody registered is told so, with the registered ids close to it; a code that is none of the
    allowed ones, with the codes closest to it.
    """
    rows = []
    for failure in failures.iter_rows(named=True):
        raw_row = raw_rows.get(failure["source_row"], {})
        columns = rule_columns.get(failure["check_id"], ())
        value: str | None
        if len(columns) > 1:
            value = "; ".join(f"{name}={raw_row.get(name) or ''}" for name in columns)
            column = ", ".join(columns)
        else:
            column = sources.get(failure["column"], failure["column"])
            value = raw_row.get(column)
        message_en, message_ja = failure["message_en"], failure["message_ja"]
        if failure["check_id"] in numbers and value is not None and unicodedata.normalize("NFKC", str(value)).strip():
            message_en, message_ja = not_a_number(column, _shorten(value), whole=numbers[failure["check_id"]])
        if failure["check_id"] in vocabularies and value is not None:
            message_en, message_ja = vocabularies[failure["check_id"]].message(_shorten(value) or "")
        not_registered = members.message(failure["check_id"], value)
        if not_registered is not None:
            message_en, message_ja = not_registered
        sheet, row = sheet_row(failure["source_row"], sheets)
        rows.append(
            ReportRow(
                sheet=sheet,
                row=row,
                column=column,
                value=_shorten(value),
                check_id=failure["check_id"],
                message_en=message_en,
                message_ja=message_ja,
            )
        )
    return tuple(rows)
