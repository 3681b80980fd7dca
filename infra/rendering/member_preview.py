"""A member's publication preview: which values its flows feed the current draft would publish, as bilingual HTML.

Drawn from `transforms.member_preview.preview_member` (the member's own tonnes and the draft's decision, never a
draft total or another member's figure). The page lists the member's flows cells and headline indicators one by
one and counts the rest per table; it says plainly that it is a preview and that the public tables change only
when the secretariat releases the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import polars as pl

from infra.rendering.disclosure_notes import REASONS
from infra.rendering.formatting import format_value
from infra.rendering.release_notes import format_jst
from infra.rendering.table_labels import table_label
from infra.rendering.templates import template
from schemas import vocabulary as v
from transforms.member_preview import FLOWS_TABLE, INDICATORS_TABLE, preview_counts

Status = Literal["published", "withheld", "not_in_draft"]
_QUANTITY = ("量（t）", "Quantity (t)")


@dataclass(frozen=True)
class PreviewValue:
    """One value the member's figures feed: the member's own tonnes and what the draft would do with it."""

    table: str
    cell: str
    column: str
    column_ja: str
    column_en: str
    own_text: str
    status: Status
    reason_ja: str | None
    reason_en: str | None


@dataclass(frozen=True)
class TableCount:
    """The values of one table the page does not list: how many would be published, withheld, not in the draft."""

    table: str
    table_ja: str
    table_en: str
    n_published: int
    n_withheld: int
    n_not_in_draft: int


@dataclass(frozen=True)
class PeriodPreview:
    """One period of a submission's preview."""

    period: str
    rows_in_draft: int  # this file's accepted rows that the draft was built from
    flows: tuple[PreviewValue, ...]  # the member's mart.flows cells
    indicators: tuple[PreviewValue, ...]  # its headline indicators: by material group and all materials, whole country
    others: tuple[TableCount, ...]
    n_published: int  # every value the member feeds, listed or not
    n_withheld: int
    reasons: tuple[tuple[str, str, int], ...]  # withheld values by reason: (label ja, label en, values)


def _column_label(column: str) -> tuple[str, str]:
    if column in ("quantity_t", "value_t"):
        return _QUANTITY
    term = v.labels(v.INDICATORS).get(column.removesuffix("_t"))
    return (term.label_ja, term.label_en) if term is not None else (column, column)


def _reason(code: str | None) -> tuple[str, str]:
    if code is None:
        return "理由不明", "reason not recorded"
    return REASONS.get(code, (code, code))


def _value(row: dict[str, Any]) -> PreviewValue:
    column = str(row["column"])
    column_ja, column_en = _column_label(column)
    status: Status = "published" if row["is_published"] else "withheld" if row["is_in_draft"] else "not_in_draft"
    reason_ja, reason_en = _reason(row["suppression_reason"]) if status == "withheld" else (None, None)
    return PreviewValue(
        table=str(row["table_name"]),
        cell=str(row["cell"]),
        column=column,
        column_ja=column_ja,
        column_en=column_en,
        own_text=format_value(column, row["own_quantity_t"]),
        status=status,
        reason_ja=reason_ja,
        reason_en=reason_en,
    )


def period_preview(period: str, preview: pl.DataFrame, *, rows_in_draft: int) -> PeriodPreview:
    """What the page shows of one period, from `preview_member`'s rows for it.

    Examples
    --------
    >>> import polars as pl
    >>> preview = pl.DataFrame({"period": ["FY2024"] * 2, "table_name": ["mart.flows", "mart.sankey_links"],
    ...     "cell": ["paper | JP-14 | use → collection", "all | use → collection"], "column": ["quantity_t", "value_t"],
    ...     "own_quantity_t": [70.0, 70.0], "is_in_draft": [True, True], "is_published": [False, True],
    ...     "suppression_reason": ["few_contributors", None], "is_listed": [True, False]})
    >>> page = period_preview("FY2024", preview, rows_in_draft=3)
    >>> [(value.cell, value.status, value.reason_en) for value in page.flows]
    [('paper | JP-14 | use → collection', 'withheld', 'fewer than 3 confidential members')]
    >>> [(count.table_en, count.n_published) for count in page.others], page.n_published, page.n_withheld
    ([('Material flows (Sankey diagram)', 1)], 1, 1)

    """
    mine = preview.filter(pl.col("period") == period)
    listed = mine.filter("is_listed")
    flows = tuple(_value(row) for row in listed.filter(pl.col("table_name") == FLOWS_TABLE).iter_rows(named=True))
    indicators = tuple(
        _value(row) for row in listed.filter(pl.col("table_name") == INDICATORS_TABLE).iter_rows(named=True)
    )
    others = tuple(
        TableCount(str(table), *table_label(str(table)), int(published), int(withheld), int(absent))
        for table, published, withheld, absent in preview_counts(mine).iter_rows()
    )
    withheld = mine.filter(pl.col("is_in_draft") & ~pl.col("is_published"))
    by_reason = withheld.group_by("suppression_reason").len().sort("suppression_reason", nulls_last=True)
    return PeriodPreview(
        period=period,
        rows_in_draft=rows_in_draft,
        flows=flows,
        indicators=indicators,
        others=others,
        n_published=int(mine.get_column("is_published").sum()),
        n_withheld=withheld.height,
        reasons=tuple((*_reason(reason), int(n)) for reason, n in by_reason.iter_rows()),
    )


def member_preview_html(
    *,
    member_id: str,
    submission_id: str,
    file_name: str,
    periods: Sequence[PeriodPreview],
    as_of: datetime,
) -> str:
    """The preview page of one submission, self-contained and bilingual (Japanese first); member text is escaped."""
    return template("member_preview.html.j2").render(
        member_id=member_id,
        submission_id=submission_id,
        file_name=file_name,
        periods=periods,
        as_of=format_jst(as_of),
        reasons=REASONS,
    )
