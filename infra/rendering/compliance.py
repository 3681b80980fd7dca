"""The public compliance table (`mart.member_compliance`) as rows for a page.

Shared by the period report and the secretariat's follow-up pack. Withheld (秘匿) cells show no count.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemas import obligations as o
from schemas import vocabulary as v

ALL_KINDS = "all"


@dataclass(frozen=True)
class ComplianceRow:
    """One kind × obligation of a fiscal year: members it applies to, and how many met it (None when withheld)."""

    fiscal_year: str
    kind: str
    kind_en: str
    kind_ja: str
    obligation: str
    obligation_en: str
    obligation_ja: str
    n_members: int
    n_met: int | None
    n_due: int | None
    n_overdue: int | None
    share_met: float | None
    withheld: bool


def _kind_term(kind: str) -> v.Term:
    if kind == ALL_KINDS:
        return v.Term(kind, "All members", "全会員")
    return v.labels(v.MEMBER_KINDS).get(kind, v.Term(kind, kind, kind))


def latest_year(compliance: pl.DataFrame) -> str | None:
    """The fiscal year the table's newest counts are for."""
    if compliance.is_empty():
        return None
    return str(compliance.sort("as_of").get_column("fiscal_year").last())


def compliance_rows(compliance: pl.DataFrame, *, fiscal_year: str | None = None) -> list[ComplianceRow]:
    """Rows of one fiscal year (default the latest), all kinds first, then kinds and obligations in rule order."""
    year = fiscal_year or latest_year(compliance)
    if year is None:
        return []
    kinds = (ALL_KINDS, *v.MEMBER_KIND_CODES)
    obligations = v.labels(o.OBLIGATIONS)
    rows = []
    for row in compliance.filter(pl.col("fiscal_year") == year).iter_rows(named=True):
        kind, obligation = str(row["member_kind"]), str(row["obligation"])
        kind_term = _kind_term(kind)
        term = obligations.get(obligation, v.Term(obligation, obligation, obligation))
        withheld = bool(row["suppressed"])
        rows.append(
            ComplianceRow(
                fiscal_year=year,
                kind=kind,
                kind_en=kind_term.label_en,
                kind_ja=kind_term.label_ja,
                obligation=obligation,
                obligation_en=term.label_en,
                obligation_ja=term.label_ja,
                n_members=int(row["n_members"] or 0),
                n_met=None if withheld else row["n_met"],
                n_due=None if withheld else row["n_due"],
                n_overdue=None if withheld else row["n_overdue"],
                share_met=None if withheld else row["share_met"],
                withheld=withheld,
            )
        )

    def order(one: ComplianceRow) -> tuple[int, int]:
        kind_index = kinds.index(one.kind) if one.kind in kinds else len(kinds)
        codes = o.OBLIGATION_CODES
        return kind_index, codes.index(one.obligation) if one.obligation in codes else len(codes)

    return sorted(rows, key=order)
