"""What a release changed: values published, revised since the previous release, and withheld for revision.

Counted by table and material group, never by member: the release notes (`mart.releases`) and the period
report's list of releases read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import polars as pl

from schemas.tables import TABLES
from transforms.disclosure import DISCLOSURE_SPECS, REVISION, SUPPRESSION_REASON

ALL = "all"
_VALUE, _BEFORE = "_value", "_before"
# Two values closer than this (relative) are the same: sums in another order differ in the last bits.
REVISED_TOLERANCE = 1e-9


def material_group(columns: list[str]) -> pl.Expr:
    """A row's material group: its `material_group`, else what its `material` and `material_level` say."""
    if "material_group" in columns:
        return pl.col("material_group").fill_null(ALL)
    if "material_level" in columns:
        return (
            pl.when(pl.col("material_level") == "leaf")
            .then(pl.col("material").str.split(".").list.first())
            .when(pl.col("material_level") == "group")
            .then(pl.col("material"))
            .otherwise(pl.lit(ALL))
        )
    return pl.lit(ALL)


def _values(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Each value of a table: its row's keys, column, value (null: withheld) and the row's suppression reason."""
    spec = DISCLOSURE_SPECS[table]
    values = list(spec.value_columns)
    keys = [name for name in frame.columns if name not in {*values, *spec.derived_columns, "contributors"}]
    keys = [name for name in keys if name not in {"suppressed", SUPPRESSION_REASON}]
    return frame.select(*keys, SUPPRESSION_REASON, *values, material_group(frame.columns).alias("_group")).unpivot(
        index=[*keys, SUPPRESSION_REASON, "_group"], on=values, variable_name="_column", value_name=_VALUE
    )


def release_notes(
    *,
    period: str,
    release: int,
    released_at: datetime,
    released_by: str,
    tables: Mapping[str, pl.DataFrame],
    previous: Mapping[str, pl.DataFrame] | None,
) -> pl.DataFrame:
    """`mart.releases` rows of one release: its totals (table and group "all"), then each table and group it changed.

    `tables` are the period's public tables as released now; `previous` those of the release before (None for
    the first). A value is revised when both releases publish it and they differ; withheld for revision when this
    release withholds it with reason `revision`.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timezone
    >>> def flows(values: list[float | None], reasons: list[str | None]) -> pl.DataFrame:
    ...     return pl.DataFrame({"period": ["FY2024"] * 2, "material": ["plastics.pet", "paper.board"],
    ...         "material_group": ["plastics", "paper"], "quantity_t": values, "contributors": [3, 4],
    ...         "suppressed": [v is None for v in values], "suppression_reason": reasons})
    >>> notes = release_notes(period="FY2024", release=2, released_at=datetime(2026, 12, 6, tzinfo=timezone.utc),
    ...     released_by="secretariat", tables={"mart.flows": flows([12.0, None], [None, "revision"])},
    ...     previous={"mart.flows": flows([10.0, 5.0], [None, None])})
    >>> notes.select("table_name", "material_group", "values_published", "values_revised",
    ...     "values_withheld_for_revision").rows()
    [('all', 'all', 1, 1, 1), ('mart.flows', 'paper', 0, 0, 1), ('mart.flows', 'plastics', 1, 1, 0)]

    """
    parts = []
    for table, frame in tables.items():
        now = _values(table, frame)
        keys = [name for name in now.columns if name not in {SUPPRESSION_REASON, _VALUE}]
        if previous is not None and table in previous:
            before = _values(table, previous[table]).select(*keys, pl.col(_VALUE).alias(_BEFORE))
            now = now.join(before, on=keys, how="left", nulls_equal=True)
        else:
            now = now.with_columns(pl.lit(None, dtype=pl.Float64()).alias(_BEFORE))
        value, earlier = pl.col(_VALUE), pl.col(_BEFORE)
        scale = pl.max_horizontal(value.abs(), earlier.abs(), pl.lit(1.0))
        parts.append(
            now.select(
                pl.lit(table).alias("table_name"),
                pl.col("_group").alias("material_group"),
                value.is_not_null().alias("_published"),
                (value.is_not_null() & earlier.is_not_null() & ((value - earlier).abs() > REVISED_TOLERANCE * scale))
                .fill_null(value=False)
                .alias("_revised"),
                (value.is_null() & (pl.col(SUPPRESSION_REASON) == REVISION)).fill_null(value=False).alias("_revision"),
            )
        )
    counts = [
        pl.col("_published").sum().cast(pl.Int64).alias("values_published"),
        pl.col("_revised").sum().cast(pl.Int64).alias("values_revised"),
        pl.col("_revision").sum().cast(pl.Int64).alias("values_withheld_for_revision"),
    ]
    every = (
        pl.concat(parts)
        if parts
        else pl.DataFrame(
            schema={
                "table_name": pl.String(),
                "material_group": pl.String(),
                "_published": pl.Boolean(),
                "_revised": pl.Boolean(),
                "_revision": pl.Boolean(),
            }
        )
    )
    totals = every.select(pl.lit(ALL).alias("table_name"), pl.lit(ALL).alias("material_group"), *counts)
    changed = (
        every.group_by("table_name", "material_group")
        .agg(*counts)
        .filter((pl.col("values_revised") > 0) | (pl.col("values_withheld_for_revision") > 0))
        .sort("table_name", "material_group")
    )
    schema = TABLES["mart.releases"]
    return (
        pl.concat([totals, changed])
        .select(
            pl.lit(period).alias("period"),
            pl.lit(release).alias("release"),
            pl.lit(released_at).alias("released_at"),
            pl.lit(released_by).alias("released_by"),
            "table_name",
            "material_group",
            "values_published",
            "values_revised",
            "values_withheld_for_revision",
        )
        .cast(schema)
    )
