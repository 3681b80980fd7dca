"""The shape of a data contract: columns, their checks and the dataset-level rules.

Everything else is derived from a `Contract`: the Polars read and table schemas, the GX suite
(expectations/), the Iceberg schema (infra/) and the data dictionary `docs/contract.md`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import polars as pl

Severity = Literal["error", "warning"]
CheckKind = Literal["not_null", "in_set", "not_in_set", "between", "max_length", "regex"]
RuleKind = Literal[
    "unique",  # columns together identify one row; all rows of a duplicated key fail
    "greater_than",  # column_a > column_b on every row where both are present
    "equals_submitter",  # the column equals the member who submitted the file
    "known_target",  # (member_id, target_id) is a target the ledger knows
    "known_project",  # (member_id, project_id) is a project the member has submitted
    "not_future",  # the year is not after the current calendar year
    "from_baseline",  # the year is not before the baseline year of the target (member_id, target_id) names
    "distinct_stages",  # source_stage != target_stage unless the process names differ
    "balance",  # per member/period/material/process inflow and outflow within a tolerance
    "subtotal",  # the row is a subtotal or total of other rows (schemas.subtotals)
    "at_most_one",  # the columns (shares of one whole) add up to at most 1
    "certified_claim",  # a mass-balance or verified claim (chain, assurance) names its certificate (name, link)
    "within_own_flows",  # declared recycled mass is within the recycled input of the member's own flows
]


@dataclass(frozen=True)
class Check:
    """One rule on one column's values, with the bilingual message a member reads."""

    id: str
    column: str
    kind: CheckKind
    message_en: str
    message_ja: str
    severity: Severity = "error"
    value_set: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    regex: str | None = None


@dataclass(frozen=True)
class Rule:
    """A cross-field or cross-row rule of a dataset."""

    id: str
    kind: RuleKind
    columns: tuple[str, ...]
    message_en: str
    message_ja: str
    severity: Severity = "error"
    tolerance: float | None = None


@dataclass(frozen=True)
class Column:
    """One column: how members send it and what it becomes once normalised.

    `submitted` columns are read from the member's file (as text); the others are derived during
    normalisation (for example `period_start` from `period`, `quantity_t` from quantity and unit).
    """

    name: str
    dtype: pl.DataType
    description_en: str
    description_ja: str
    required: bool = False
    submitted: bool = True
    vocabulary: tuple[str, ...] = ()
    vocabulary_message_en: str = ""  # instead of "must be one of: …" when the codes are not all a member may write
    vocabulary_message_ja: str = ""
    warn_vocabulary: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    max_length: int | None = None
    regex: str | None = None
    percent_sign: bool = False  # a fraction 0-1; a value written with its % sign is a percentage (35% is 0.35)
    default_en: str = ""
    default_ja: str = ""
    example: str = ""
    derived_from: str = ""  # for a derived column: the submitted column it comes from (what a member sent)
    default_from: str = ""  # a submitted column left blank takes this column's value in the same row
    extra_checks: tuple[Check, ...] = field(default_factory=tuple)
    # Japanese column headers a member may write instead of `name` (matched as `header_key` says).
    headers_ja: tuple[str, ...] = ()

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header that names this column in a file: the code, then the Japanese names."""
        return (self.name, *self.headers_ja)

    @property
    def is_free_text(self) -> bool:
        """Whether members write this column in their own words (notes, process names), kept exactly as written.

        Every other column holds codes, ids, units, periods, numbers or dates, read after NFKC. A text column
        without a vocabulary or a pattern still holds codes when its name says so: ids (`*_id`, `*_ids`, as
        STYLE.md names keys) and units.
        """
        if self.dtype != pl.String() or self.vocabulary or self.warn_vocabulary or self.regex is not None:
            return False
        return not (self.name == "unit" or self.name.endswith(("_id", "_ids")))

    @property
    def checks(self) -> tuple[Check, ...]:
        """The value checks implied by this column's declaration, errors first."""
        found: list[Check] = []
        if self.required:
            found.append(
                Check(
                    id=f"{self.name}.required",
                    column=self.name,
                    kind="not_null",
                    message_en=f"{self.name} is required and must be a valid value",
                    message_ja=f"{self.name} は必須項目です（有効な値を入力してください）",
                )
            )
        if self.vocabulary:
            allowed = ", ".join(self.vocabulary)  # every code, never cut: `landfill` is the last stage
            found.append(
                Check(
                    id=f"{self.name}.vocabulary",
                    column=self.name,
                    kind="in_set",
                    value_set=self.vocabulary,
                    message_en=self.vocabulary_message_en or f"{self.name} must be one of: {allowed}",
                    message_ja=self.vocabulary_message_ja or f"{self.name} は次のいずれかにしてください: {allowed}",
                )
            )
        if self.min_value is not None or self.max_value is not None:
            bounds_en = _bounds_text(self.min_value, self.max_value, ja=False)
            bounds_ja = _bounds_text(self.min_value, self.max_value, ja=True)
            found.append(
                Check(
                    id=f"{self.name}.range",
                    column=self.name,
                    kind="between",
                    min_value=self.min_value,
                    max_value=self.max_value,
                    message_en=f"{self.name} must be {bounds_en}",
                    message_ja=f"{self.name} は{bounds_ja}にしてください",
                )
            )
        if self.max_length is not None:
            found.append(
                Check(
                    id=f"{self.name}.length",
                    column=self.name,
                    kind="max_length",
                    max_value=float(self.max_length),
                    message_en=f"{self.name} must be at most {self.max_length} characters",
                    message_ja=f"{self.name} は{self.max_length}文字以内にしてください",
                )
            )
        if self.regex is not None:
            found.append(
                Check(
                    id=f"{self.name}.format",
                    column=self.name,
                    kind="regex",
                    regex=self.regex,
                    message_en=f"{self.name} is not in the expected format (e.g. {self.example})",
                    message_ja=f"{self.name} の形式が正しくありません（例: {self.example}）",
                )
            )
        if self.warn_vocabulary:
            found.append(
                Check(
                    id=f"{self.name}.known",
                    column=self.name,
                    kind="in_set",
                    severity="warning",
                    value_set=self.warn_vocabulary,
                    message_en=f"{self.name} is not a known code; it was rolled up to its group",
                    message_ja=f"{self.name} は登録されていないコードのため、上位グループに集約しました",
                )
            )
        return (*found, *self.extra_checks)


def header_key(header: str) -> str:
    """A header as matched to contract columns: NFKC, stripped, lower-case, inner spaces as `_`.

    Examples:
        >>> header_key(" Member ID ")
        'member_id'
        >>> header_key("会員\u3000ＩＤ")
        '会員_id'

    """
    return re.sub(r"\s+", "_", unicodedata.normalize("NFKC", header).strip().lstrip("\ufeff").lower())


def _compact(key: str) -> str:
    """A header key without its spaces: how Japanese names are compared (会員 ID, 会員　ID and 会員ID agree)."""
    return key.replace("_", "")


def _bounds_text(low: float | None, high: float | None, *, ja: bool) -> str:
    def show(value: float) -> str:
        return f"{value:g}"

    if low is not None and high is not None:
        return f"{show(low)}以上{show(high)}以下" if ja else f"between {show(low)} and {show(high)}"
    if low is not None:
        return f"{show(low)}以上" if ja else f"at least {show(low)}"
    assert high is not None
    return f"{show(high)}以下" if ja else f"at most {show(high)}"


@dataclass(frozen=True)
class Contract:
    """A dataset's contract: its columns, its key and its cross-field and cross-row rules."""

    name: str
    description_en: str
    description_ja: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rules: tuple[Rule, ...] = ()
    # The column that says which periods (years, target ids) a file's rows cover.
    scope_column: str | None = None
    # What a member's new file replaces. "file": the member's data is the sum of its live files; a new file
    # replaces the earlier version under the same name and any older file sharing a row key with it (a
    # corrected copy), and adds to the others. "versions": each row is a version of what its `scope_column`
    # names (a target), kept with the day it arrived; the member's other targets stay.
    replacement: Literal["file", "versions"] = "file"
    # Batches are validated in this order, so a member's progress never comes before the targets it names.
    validation_order: int = 0

    @property
    def submitted_columns(self) -> tuple[Column, ...]:
        """Columns a member sends, in the order of the data dictionary."""
        return tuple(column for column in self.columns if column.submitted)

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Names of submitted columns a file must have, or the whole file is rejected."""
        return tuple(column.name for column in self.submitted_columns if column.required)

    @property
    def read_schema(self) -> pl.Schema:
        """Every submitted column as text: files are read verbatim, then normalised."""
        return pl.Schema({column.name: pl.String() for column in self.submitted_columns})

    @property
    def schema(self) -> pl.Schema:
        """The normalised schema: what accepted rows look like in `core.<dataset>`."""
        return pl.Schema({column.name: column.dtype for column in self.columns})

    @property
    def checks(self) -> tuple[Check, ...]:
        """All value checks of all columns."""
        return tuple(check for column in self.columns for check in column.checks)

    @cached_property
    def _header_columns(self) -> tuple[dict[str, str], dict[str, str]]:
        """Header keys of the codes, and compact keys of the Japanese names, each to its column."""
        codes: dict[str, str] = {}
        japanese: dict[str, str] = {}
        for column in self.submitted_columns:
            codes[header_key(column.name)] = column.name
            for header in column.headers_ja:
                key = _compact(header_key(header))
                if japanese.setdefault(key, column.name) != column.name:
                    msg = f"{self.name}: the header {header!r} names both {japanese[key]} and {column.name}"
                    raise ValueError(msg)
        return codes, japanese

    def column_for_header(self, header: str) -> str | None:
        """The submitted column a file's header names (its code or a Japanese name), or None.

        Examples:
            >>> from schemas import FLOWS
            >>> [FLOWS.column_for_header(h) for h in ("Quantity", "数量", "会員 ID", "会員　ＩＤ", "amount")]
            ['quantity', 'quantity', 'member_id', 'member_id', None]

        """
        codes, japanese = self._header_columns
        key = header_key(header)
        return codes.get(key) or japanese.get(_compact(key))

    def column(self, name: str) -> Column:
        """Look a column up by name."""
        for column in self.columns:
            if column.name == name:
                return column
        msg = f"{self.name} has no column {name!r}"
        raise KeyError(msg)
