"""A member's publication preview: which values its flows feed the current draft would publish, as bilingual HTML.

Drawn from `transforms.member_preview.preview_pages` (the members' own tonnes and the draft's decision, never a
draft total or another member's figure). The page lists the member's flows cells and headline indicators one by
one and counts the rest per table; it says plainly that it is a preview and that the public tables change only
when the secretariat releases the period.

A run previews every member it processed, hundreds of pages of hundreds of values each: the listed values are
formatted and escaped as columns, for every member at once (`period_previews`), not value by value in the
template (300 pages of W1 medium: 12.6 s value by value).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import polars as pl
from markupsafe import Markup

from infra.rendering.disclosure_notes import REASONS
from infra.rendering.formatting import format_value
from infra.rendering.release_notes import format_jst
from infra.rendering.table_labels import table_label
from infra.rendering.templates import template
from schemas import vocabulary as v
from transforms.disclosure import MEMBER_ID
from transforms.member_preview import FLOWS_TABLE, INDICATORS_TABLE, PreviewPages, pages_of, tally_counts

_QUANTITY = ("量（t）", "Quantity (t)")
_UNKNOWN_REASON = ("理由不明", "reason not recorded")
# markupsafe's escapes, applied to a column in one pass (so the `&` of an escape is not escaped again).
_ESCAPES: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"}
_STATUS_CELLS: Final = {
    "published": '<td class="status status-published">公表予定<br>'
    '<span class="en" lang="en">would be published</span></td>',
    "not_in_draft": '<td class="status status-not-in-draft">下書きにありません<br>'
    '<span class="en" lang="en">not in the draft</span></td>',
}


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
    """One period of a member's preview: its listed values as table rows, ready for the page, and counts."""

    period: str
    rows_in_draft: int  # this file's accepted rows that the draft was built from
    flows: Markup  # the member's mart.flows cells, one escaped <tr> each
    indicators: Markup  # its headline indicators (by material group and all materials, whole country), likewise
    others: tuple[TableCount, ...]
    n_published: int  # every value the member feeds, listed or not
    n_withheld: int
    reasons: tuple[tuple[str, str, int], ...]  # withheld values by reason: (label ja, label en, values)

    @classmethod
    def empty(cls, period: str) -> PeriodPreview:
        """The page of a member that feeds no value of the period."""
        return cls(period, 0, Markup(), Markup(), (), 0, 0, ())


def _column_label(column: str) -> tuple[str, str]:
    if column in ("quantity_t", "value_t"):
        return _QUANTITY
    term = v.labels(v.INDICATORS).get(column.removesuffix("_t"))
    return (term.label_ja, term.label_en) if term is not None else (column, column)


def _reason(code: str | None) -> tuple[str, str]:
    return _UNKNOWN_REASON if code is None else REASONS.get(code, (code, code))


def _escaped(text: pl.Expr) -> pl.Expr:
    return text.str.replace_many(list(_ESCAPES), list(_ESCAPES.values()))


def _labelled(column: pl.Expr, labels: Mapping[str, str]) -> pl.Expr:
    return _escaped(column.replace_strict(labels, return_dtype=pl.String))


def _value_rows(listed: pl.DataFrame, *, with_column: bool) -> pl.Expr:
    """One `<tr>` per listed value: its cell, (its column's label,) the member's tonnes and the draft's decision."""
    columns = listed.get_column("column").unique().to_list()
    reasons = listed.get_column("suppression_reason").drop_nulls().unique().to_list()
    status = (
        pl.when("is_published")
        .then(pl.lit("published"))
        .when("is_in_draft")
        .then(pl.lit("withheld"))
        .otherwise(pl.lit("not_in_draft"))
    )
    reason = pl.col("suppression_reason").fill_null("")
    withheld = pl.concat_str(
        pl.lit('<td class="status status-withheld">秘匿: '),
        _labelled(reason, {"": _UNKNOWN_REASON[0]} | {code: _reason(code)[0] for code in reasons}),
        pl.lit('<br><span class="en" lang="en">withheld: '),
        _labelled(reason, {"": _UNKNOWN_REASON[1]} | {code: _reason(code)[1] for code in reasons}),
        pl.lit("</span></td>"),
    )
    parts = [
        pl.lit('<tr class="preview-value" data-table="'),
        _escaped(pl.col("table_name")),
        pl.lit('" data-column="'),
        _escaped(pl.col("column")),
        pl.lit('" data-status="'),
        status,
        pl.lit('">\n<td><code>'),
        _escaped(pl.col("cell")),
        pl.lit("</code></td>\n"),
    ]
    if with_column:
        parts += [
            pl.lit("<td>"),
            _labelled(pl.col("column"), {column: _column_label(column)[0] for column in columns}),
            pl.lit('<br><span class="en" lang="en">'),
            _labelled(pl.col("column"), {column: _column_label(column)[1] for column in columns}),
            pl.lit("</span></td>\n"),
        ]
    parts += [
        pl.lit('<td class="num">'),
        pl.col("_own_text"),
        pl.lit("</td>\n"),
        pl.when(status == "withheld").then(withheld).otherwise(status.replace_strict(_STATUS_CELLS, default="")),
        pl.lit("\n</tr>"),
    ]
    return pl.concat_str(parts)


def _listed_rows(listed: pl.DataFrame, table: str) -> dict[str, Markup]:
    """Each member's listed values of one table, as the body of the page's table."""
    listed = listed.filter(pl.col("table_name") == table)
    own_text = [
        format_value(column, value)
        for column, value in zip(
            listed.get_column("column").to_list(), listed.get_column("own_quantity_t").to_list(), strict=True
        )
    ]
    # The rows are built as one column, then joined per member: about 30% less CPU than building them in the
    # aggregation (W1 medium's 160,000 flows rows a period).
    rows = (
        listed.with_columns(pl.Series("_own_text", own_text, dtype=pl.String))
        .select(MEMBER_ID, _value_rows(listed, with_column=table != FLOWS_TABLE).alias("_rows"))
        .group_by(MEMBER_ID, maintain_order=True)
        .agg(pl.col("_rows").str.join("\n"))
    )
    return {str(member): Markup(html) for member, html in rows.iter_rows()}  # noqa: S704 - every part escaped above


def period_previews(period: str, pages: PreviewPages) -> dict[str, PeriodPreview]:
    """What each member's page shows of one period, from `preview_pages` (several members at once).

    `rows_in_draft` is left at 0: it is a file's, and a member's files share the member's preview
    (`dataclasses.replace` sets it per file).

    Examples
    --------
    >>> import polars as pl
    >>> from transforms.member_preview import pages_of
    >>> preview = pl.DataFrame({"member_id": ["lone"] * 2, "period": ["FY2024"] * 2,
    ...     "table_name": ["mart.flows", "mart.sankey_links"],
    ...     "cell": ["paper | JP-14 | use → collection", "all | use → collection"], "column": ["quantity_t", "value_t"],
    ...     "own_quantity_t": [70.0, 70.0], "is_in_draft": [True, True], "is_published": [False, True],
    ...     "suppression_reason": ["few_contributors", None], "is_listed": [True, False]})
    >>> page = period_previews("FY2024", pages_of(preview))["lone"]
    >>> "withheld: fewer than 3 confidential members" in page.flows, page.indicators
    (True, Markup(''))
    >>> [(count.table_en, count.n_published) for count in page.others], page.n_published, page.n_withheld
    ([('Material flows (Sankey diagram)', 1)], 1, 1)

    """
    listed = pages.listed.filter(pl.col("period") == period)
    tallies = pages.tallies.filter(pl.col("period") == period)
    flows, indicators = _listed_rows(listed, FLOWS_TABLE), _listed_rows(listed, INDICATORS_TABLE)
    others: dict[str, list[TableCount]] = {}
    for member, table, published, withheld_n, absent in tally_counts(tallies, by=[MEMBER_ID]).iter_rows():
        others.setdefault(str(member), []).append(
            TableCount(str(table), *table_label(str(table)), int(published), int(withheld_n), int(absent))
        )
    n_values = pl.col("n_values")
    is_withheld = pl.col("is_in_draft") & ~pl.col("is_published")
    reasons: dict[str, list[tuple[str, str, int]]] = {}
    by_reason = tallies.filter(is_withheld).group_by(MEMBER_ID, "suppression_reason").agg(n_values.sum())
    for member, reason, n in by_reason.sort(MEMBER_ID, "suppression_reason", nulls_last=True).iter_rows():
        reasons.setdefault(str(member), []).append((*_reason(reason), int(n)))
    totals = tallies.group_by(MEMBER_ID, maintain_order=True).agg(
        n_values.filter("is_published").sum().alias("published"),
        n_values.filter(is_withheld).sum().alias("withheld"),
    )
    return {
        str(member): PeriodPreview(
            period=period,
            rows_in_draft=0,
            flows=flows.get(str(member), Markup()),
            indicators=indicators.get(str(member), Markup()),
            others=tuple(others.get(str(member), ())),
            n_published=int(published),
            n_withheld=int(withheld_n),
            reasons=tuple(reasons.get(str(member), ())),
        )
        for member, published, withheld_n in totals.iter_rows()
    }


def period_preview(period: str, preview: pl.DataFrame, *, rows_in_draft: int) -> PeriodPreview:
    """One member's `period_previews`, from `preview_member`'s rows for it (no `member_id` column)."""
    pages = period_previews(period, pages_of(preview.with_columns(pl.lit("").alias(MEMBER_ID))))
    return dataclasses.replace(pages.get("", PeriodPreview.empty(period)), rows_in_draft=rows_in_draft)


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
