"""The period report's release history: each release of the period and what it revised, by table and material group.

Read from `mart.releases` (counts only): a release's totals are its row with table_name and material_group `all`;
each other row says how many values of one table and material group it revised or withheld for revision. Never
a member: the table has no member column, and nothing here adds one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

import polars as pl

from infra.rendering.table_labels import ALL_TABLES, material_label, material_position, table_label, table_position

# Japan has kept one offset all year since 1951: a fixed zone needs no time-zone database.
JST: Final = timezone(timedelta(hours=9), "JST")
ALL: Final = "all"
COUNTS: Final = ("values_published", "values_revised", "values_withheld_for_revision")


@dataclass(frozen=True)
class Revision:
    """What one release changed in one table and material group: values revised, and withheld for revision."""

    table: str
    table_ja: str
    table_en: str
    material_group: str
    material_ja: str
    material_en: str
    values_revised: int
    values_withheld_for_revision: int


@dataclass(frozen=True)
class ReleaseRow:
    """One release of the period: when and by whom, its totals, and its revisions by table and material group."""

    release: int
    released_at: str  # in JST, e.g. 2025-06-02 18:30 JST
    released_by: str
    values_published: int
    values_revised: int
    values_withheld_for_revision: int
    revisions: tuple[Revision, ...]


def format_jst(moment: datetime | None) -> str:
    """A moment as a reader in Japan reads it (a release time, a draft's): date and minute in JST; `–` when missing.

    >>> from datetime import UTC
    >>> format_jst(datetime(2025, 6, 2, 9, 30, tzinfo=UTC)), format_jst(None)
    ('2025-06-02 18:30 JST', '–')
    """
    if moment is None:
        return "–"
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # stored in UTC
    return aware.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")


def _count(value: Any) -> int:
    return int(value or 0)


def _revision(row: dict[str, Any]) -> Revision:
    table, group = str(row["table_name"] or ALL_TABLES), str(row["material_group"] or ALL)
    table_ja, table_en = table_label(table)
    material_ja, material_en = material_label(group)
    return Revision(
        table=table,
        table_ja=table_ja,
        table_en=table_en,
        material_group=group,
        material_ja=material_ja,
        material_en=material_en,
        values_revised=_count(row["values_revised"]),
        values_withheld_for_revision=_count(row["values_withheld_for_revision"]),
    )


def release_rows(releases: pl.DataFrame | None, period: str) -> list[ReleaseRow]:
    """The period's releases, first release first, from `mart.releases` rows; empty when there are none.

    A release without its totals row (table and material group `all`) gets totals summed from its other rows.

    Examples
    --------
    >>> from datetime import UTC
    >>> releases = pl.DataFrame({"period": ["FY2024"] * 2, "release": [1, 1],
    ...     "released_at": [datetime(2025, 6, 2, 9, 30, tzinfo=UTC)] * 2, "released_by": ["secretariat"] * 2,
    ...     "table_name": ["all", "mart.flows"], "material_group": ["all", "paper"],
    ...     "values_published": [120, 40], "values_revised": [2, 2], "values_withheld_for_revision": [0, 0]})
    >>> (row,) = release_rows(releases, "FY2024")
    >>> row.released_at, row.values_published, [(r.table_en, r.material_en, r.values_revised) for r in row.revisions]
    ('2025-06-02 18:30 JST', 120, [('Material flows', 'Paper', 2)])

    """
    if releases is None or releases.is_empty():
        return []
    rows = []
    mine = releases.filter(pl.col("period") == period).sort("release", "table_name", "material_group")
    for (number,), group in mine.group_by("release", maintain_order=True):
        is_total = (pl.col("table_name").fill_null(ALL) == ALL) & (pl.col("material_group").fill_null(ALL) == ALL)
        totals, parts = group.filter(is_total), group.filter(~is_total)
        summed = (totals if totals.height else parts).select(pl.col(name).fill_null(0).sum() for name in COUNTS)
        first = (totals if totals.height else group).row(0, named=True)
        revisions = sorted(
            (_revision(row) for row in parts.iter_rows(named=True)),
            key=lambda revision: (table_position(revision.table), material_position(revision.material_group)),
        )
        rows.append(
            ReleaseRow(
                release=int(number),
                released_at=format_jst(first["released_at"]),
                released_by=str(first["released_by"] or "–"),
                values_published=_count(summed.item(0, "values_published")),
                values_revised=_count(summed.item(0, "values_revised")),
                values_withheld_for_revision=_count(summed.item(0, "values_withheld_for_revision")),
                revisions=tuple(
                    revision
                    for revision in revisions
                    if revision.values_revised or revision.values_withheld_for_revision
                ),
            )
        )
    return rows
