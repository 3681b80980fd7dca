"""What a dataset's fill-in template holds, derived from its contract: headers, drop-down choices, one example row.

Members fill templates in by hand in Excel and submit them unchanged, so a template offers only what the readers
and the contract take without an error or a warning. Each header is the first Japanese name the contract maps back
to its column (else the code). Drop-downs offer codes: a Japanese label is read too, but with a warning on every
cell that says to write the code (`expectations.notes`). Units are offered as the Japanese spellings of the unit
table (トン, 千トン: read exactly, no warning), periods as recent fiscal years in the era form offices write
(令和6年度 is FY2024), regions as prefecture names (福岡県 is JP-40) and yes/no as はい/いいえ.
`schemas.template_instructions` writes the instructions sheet from this, and `infra.rendering.workbook_templates`
lays both out as XLSX or CSV.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

import polars as pl

from schemas import vocabulary as v
from schemas.columns import PERIOD_COLUMNS
from schemas.contract import Column, Contract
from schemas.datasets import DATASET_SPECS
from schemas.declarations import ASSURANCES, CHAINS_OF_CUSTODY
from schemas.members import MEMBER_ID_PATTERN
from schemas.products import PRODUCT_GROUPS, PRODUCT_LEAVES
from schemas.projects import PROJECT_ROLES, PROJECT_THEMES
from schemas.reference import DENOMINATORS, ROADMAP_INDICATORS
from schemas.regions import NATIONAL, PREFECTURES

# How a cell is typed: free text, a code (ids, periods, regions and units too, kept as text), a number, a whole
# number, a share of one (0.35, or 35% in a cell formatted as a percentage) or a date.
CellKind = Literal["text", "code", "number", "integer", "share", "date"]

TEMPLATE_DATASETS: Final = tuple(DATASET_SPECS)
MEMBER_ID: Final = "member_id"
PERIOD: Final = next(iter(PERIOD_COLUMNS))
# Fiscal years offered in a period's drop-down: the current one and the ones before it.
RECENT_FISCAL_YEARS: Final = 6
FISCAL_YEAR_FIRST_MONTH: Final = 4
# The era a fiscal year is written in, by its first year (令和元年度 is FY2019).
_ERAS: Final = (("令和", 2019), ("平成", 1989))

# Every vocabulary whose codes carry labels; a column's codes take the labels of the one sharing most of them
# (`energy_recovery` is a stage in a stage column and an indicator in an indicator column).
_LABELLED: Final[tuple[tuple[v.Term, ...], ...]] = (
    v.STAGES,
    (*v.MATERIAL_GROUPS, *v.MATERIAL_LEAVES),
    v.UNITS,
    v.MEMBER_KINDS,
    v.QUALITIES,
    v.DISCLOSURE_CLASSES,
    (*v.INDICATORS, v.Term(v.CUSTOM_INDICATOR, "Custom indicator (say which in the description)", "独自の指標")),
    (*ROADMAP_INDICATORS, *DENOMINATORS),
    PROJECT_ROLES,
    PROJECT_THEMES,
    (*PRODUCT_GROUPS, *PRODUCT_LEAVES),
    CHAINS_OF_CUSTODY,
    ASSURANCES,
)
# What an example row says in a required free-text column the contract gives no example for.
_SAMPLE_TEXT: Final[dict[str, str]] = {
    "title": "使用済みプラスチックの水平リサイクル実証",
    "description": "家庭から回収したプラスチックを選別し、再生材の品質を検証する",
    "summary": "再生材の品質がバージン材と同等であることを確認した",
}


@dataclass(frozen=True)
class Choice:
    """One value a drop-down offers: what the cell holds, and what it means in Japanese and English."""

    value: str
    label_ja: str = ""
    label_en: str = ""


YES_NO: Final = (Choice("はい", "はい（yes / true）", "yes"), Choice("いいえ", "いいえ（no / false）", "no"))
REGION_CHOICES: Final = (
    *(Choice(region.label_ja, f"{region.label_ja}（{region.code}）", region.label_en) for region in PREFECTURES),
    Choice(NATIONAL, "全国", "Japan (nationwide)"),
)


@dataclass(frozen=True)
class TemplateColumn:
    """One column of a template: its header, what it means, how its cells are typed and what they may hold."""

    name: str
    header: str
    required: bool
    description_ja: str
    description_en: str
    kind: CellKind
    example: str
    choices: tuple[Choice, ...] = ()
    # Whether a value outside `choices` is an error (a vocabulary); otherwise it may be right (a calendar year, an
    # import's country, a material leaf the vocabulary lacks) and the drop-down only helps.
    closed: bool = False
    min_value: float | None = None
    max_value: float | None = None


@dataclass(frozen=True)
class Template:
    """A dataset's template: its columns in the contract's order, the example row, and who submits it."""

    dataset: str
    description_ja: str
    description_en: str
    submitted_by: Literal["members", "secretariat"]
    replacement: Literal["file", "versions"]
    member_id: str | None
    columns: tuple[TemplateColumn, ...]

    @property
    def header(self) -> tuple[str, ...]:
        """The header row, as members read it."""
        return tuple(column.header for column in self.columns)

    @property
    def example_row(self) -> tuple[str, ...]:
        """The example row as text, as a member would type it (blank where an optional column has no example)."""
        return tuple(column.example for column in self.columns)

    @property
    def has_member_id(self) -> bool:
        """Whether rows name their member (members' datasets; the secretariat's name nobody)."""
        return any(column.name == MEMBER_ID for column in self.columns)


def template_for(dataset: str, *, member_id: str | None = None, today: date) -> Template:
    """The template of `dataset`, with `member_id` in its example row; periods offered are recent as of `today`.

    Examples:
        >>> flows = template_for("flows", member_id="city-a", today=date(2025, 6, 1))
        >>> flows.header[:4], flows.example_row[:4]
        (('会員ID', '期間', '品目', '投入元工程'), ('city-a', '令和6年度', 'plastics.pet', 'use'))
        >>> [choice.value for choice in flows.columns[1].choices][:3]
        ['令和7年度', '令和6年度', '令和5年度']

    """
    spec = DATASET_SPECS.get(dataset)
    if spec is None:
        msg = f"unknown dataset {dataset!r}; choose one of: {', '.join(TEMPLATE_DATASETS)}"
        raise ValueError(msg)
    contract = spec.contract
    submitted = contract.submitted_columns
    if member_id is not None:
        if not any(column.name == MEMBER_ID for column in submitted):
            msg = f"{dataset} is the secretariat's reference data: its rows name no member, so give no member id"
            raise ValueError(msg)
        if re.fullmatch(MEMBER_ID_PATTERN, member_id) is None:
            msg = f"member id {member_id!r} must be 2-64 lower-case letters, digits, '-' or '_'"
            raise ValueError(msg)
    columns = tuple(_column(contract, column, member_id=member_id, today=today) for column in submitted)
    return Template(
        dataset=dataset,
        description_ja=contract.description_ja,
        description_en=contract.description_en,
        submitted_by=spec.submitted_by,
        replacement=contract.replacement,
        member_id=member_id,
        columns=columns,
    )


def template_header(contract: Contract, column: Column) -> str:
    """The header a template writes for `column`: its first Japanese name the contract reads as it, else its code.

    Examples:
        >>> from schemas import FLOWS
        >>> template_header(FLOWS, FLOWS.column("quantity")), template_header(FLOWS, FLOWS.column("is_renewable"))
        ('数量', '再生可能')

    """
    headers = (*column.headers_ja, column.name)
    return next(header for header in headers if contract.column_for_header(header) == column.name)


def fiscal_year(day: date) -> int:
    """The Japanese fiscal year a day falls in (April to March).

    Examples:
        >>> fiscal_year(date(2025, 3, 31)), fiscal_year(date(2025, 4, 1))
        (2024, 2025)

    """
    return day.year if day.month >= FISCAL_YEAR_FIRST_MONTH else day.year - 1


def era_fiscal_year(year: int) -> str:
    """A fiscal year as offices write it, in its era: 令和6年度, 令和元年度, 平成30年度.

    Examples:
        >>> era_fiscal_year(2024), era_fiscal_year(2019), era_fiscal_year(2018)
        ('令和6年度', '令和元年度', '平成30年度')

    """
    for era, first in _ERAS:
        if year >= first:
            number = year - first + 1
            return f"{era}{'元' if number == 1 else number}年度"
    return f"{year}年度"


def recent_fiscal_years(today: date, *, count: int = RECENT_FISCAL_YEARS) -> tuple[Choice, ...]:
    """The current fiscal year and the ones before it, newest first, as a period drop-down offers them."""
    current = fiscal_year(today)
    return tuple(
        Choice(
            era_fiscal_year(year),
            f"{year}年度（{year}年4月〜{year + 1}年3月）",
            f"FY{year} (April {year} – March {year + 1})",
        )
        for year in range(current, current - count, -1)
    )


def _column(contract: Contract, column: Column, *, member_id: str | None, today: date) -> TemplateColumn:
    choices, closed = _choices(column, member_id=member_id, today=today)
    return TemplateColumn(
        name=column.name,
        header=template_header(contract, column),
        required=column.required,
        description_ja=column.description_ja,
        description_en=column.description_en,
        kind=_kind(column),
        example=_example(column, member_id=member_id, today=today),
        choices=choices,
        closed=closed,
        min_value=column.min_value,
        max_value=column.max_value,
    )


def _kind(column: Column) -> CellKind:
    if column.dtype == pl.Date():
        return "date"
    if column.percent_sign:
        return "share"
    if column.dtype.is_integer():
        return "integer"
    if column.dtype.is_float():
        return "number"
    return "text" if column.is_free_text else "code"


def _is_units(column: Column) -> bool:
    return set(column.vocabulary) == set(v.UNIT_CODES)


def _choices(column: Column, *, member_id: str | None, today: date) -> tuple[tuple[Choice, ...], bool]:
    """What a column's drop-down offers, and whether only that is accepted."""
    if column.name == MEMBER_ID:
        return ((Choice(member_id, "会員ID", "member id"),) if member_id else ()), False
    if column.name == PERIOD:
        return recent_fiscal_years(today), False
    if column.regex == v.REGION_PATTERN:
        return REGION_CHOICES, False
    if column.dtype == pl.Boolean():
        return YES_NO, True
    if _is_units(column):
        return tuple(Choice(term.label_ja, term.label_ja, f"{term.label_en} ({term.code})") for term in v.UNITS), True
    codes = column.vocabulary or column.warn_vocabulary
    labels = _labels(codes)
    choices = tuple(Choice(code, *labels.get(code, ("", ""))) for code in _grouped(codes))
    return choices, bool(column.vocabulary)


def _labels(codes: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """(Japanese, English) labels of codes, from the vocabularies sharing most codes with them."""
    wanted = set(codes)
    found: dict[str, tuple[str, str]] = {}
    for terms in sorted(_LABELLED, key=lambda terms: -len(wanted & {term.code for term in terms})):
        for term in terms:
            if term.code in wanted:
                found.setdefault(term.code, (term.label_ja, term.label_en))
    return found


def _grouped(codes: tuple[str, ...]) -> tuple[str, ...]:
    """Codes with each `group.leaf` right after its group, as a drop-down reads best (plastics, plastics.pet, …).

    Examples:
        >>> _grouped(("paper", "metals", "paper.mixed", "metals.copper", "x.y"))
        ('paper', 'paper.mixed', 'metals', 'metals.copper', 'x.y')

    """
    groups = list(dict.fromkeys(code.split(".", 1)[0] for code in codes))
    return tuple(sorted(codes, key=lambda code: (groups.index(code.split(".", 1)[0]), "." in code)))


def _example(column: Column, *, member_id: str | None, today: date) -> str:
    """The example row's cell, written as the drop-down offers it."""
    example = column.example
    if column.name == MEMBER_ID:
        return member_id or example
    if column.name == PERIOD:
        return era_fiscal_year(fiscal_year(today) - 1)  # the year members report: the one that just ended
    if column.regex == v.REGION_PATTERN:
        return next((region.label_ja for region in PREFECTURES if region.code == example), example)
    if column.dtype == pl.Boolean():
        return YES_NO[0].value if example.lower() == "true" else YES_NO[1].value if example else ""
    if _is_units(column):
        return next((term.label_ja for term in v.UNITS if term.code == example), example)
    if not example and column.required and column.is_free_text:
        return _SAMPLE_TEXT.get(column.name, "（記入例）")
    return example
