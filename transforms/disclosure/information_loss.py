"""Disclosure control's information loss: what a period's publication withheld, per table and reason."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import polars as pl

from schemas.tables import TABLES
from transforms.disclosure import CELL, COLUMN, DISCLOSURE_SPECS, REASON, SUPPRESSED, SUPPRESSION_REASON


def is_headline(cells: pl.DataFrame) -> pl.Series:
    """A table's headline rows: all materials, whole country, every product (the Sankey's links are national).

    A table with no all-materials level (`mart.flows`, `mart.stage_balance`) or no national row (the regional
    transfers) has no headline.
    """
    names = cells.columns
    if "material_level" not in names or "origin_region" in names:
        return pl.Series(HEADLINE, [False] * cells.height, dtype=pl.Boolean())
    national = pl.col("region_level") == "all" if "region_level" in names else pl.lit(value=True)
    if "product_level" in names:  # declarations: every product too
        national = national & (pl.col("product_level") == "all")
    return cells.select(((pl.col("material_level") == "all") & national).alias(HEADLINE)).to_series()


HEADLINE = "_headline"


def information_loss(
    built: Mapping[str, pl.DataFrame], judged: Mapping[str, pl.DataFrame], *, protected_kinds: str | None = None
) -> pl.DataFrame:
    """Values and tonnes published and hidden per table and reason (null: published), for the run summary.

    A value is one quantity of one row (`n_cells` counts them); the tonnes are those values summed (a stage's
    inflow and outflow both count); `headline_cells` and `headline_t` are the same for the table's headline
    (`is_headline`). Tonnes are for operators only: by reason, they can be a lone member's own figure, so
    `mart.publication_summary` keeps the tonnes of published values alone (`publication_summary`).
    `protected_kinds` says whose confidentiality the withheld values protect, by kind of member.
    """
    parts = []
    for table, cells in built.items():
        values = list(DISCLOSURE_SPECS[table].value_columns)
        quantities = (
            cells.select(values)
            .with_columns(is_headline(cells))
            .with_row_index(CELL)
            .unpivot(index=[CELL, HEADLINE], on=values, variable_name=COLUMN, value_name="_tonnes")
        )
        tonnes = pl.col("_tonnes").fill_null(0.0)
        parts.append(
            judged[table]
            .join(quantities, on=[CELL, COLUMN], how="left")
            .join(cells.select("period").with_row_index(CELL), on=CELL, how="left")
            .rename({REASON: SUPPRESSION_REASON})
            .group_by("period", SUPPRESSION_REASON)
            .agg(
                pl.len().cast(pl.Int32).alias("n_cells"),
                tonnes.sum().alias("quantity_t"),
                pl.col(HEADLINE).sum().cast(pl.Int32).alias("headline_cells"),
                tonnes.filter(pl.col(HEADLINE)).sum().alias("headline_t"),
            )
            .select(
                "period",
                pl.lit(table).alias("table_name"),
                pl.col(SUPPRESSION_REASON).is_not_null().alias(SUPPRESSED),
                SUPPRESSION_REASON,
                "n_cells",
                "quantity_t",
                "headline_cells",
                "headline_t",
                pl.when(pl.col(SUPPRESSION_REASON).is_not_null())
                .then(pl.lit(protected_kinds, dtype=pl.String()))
                .alias("protected_kinds"),
            )
        )
    schema = TABLES["mart.publication_summary"]
    empty = pl.DataFrame(schema=schema)
    return pl.concat([empty, *(part.select(empty.columns).cast(schema) for part in parts)]).sort(
        "period", "table_name", SUPPRESSION_REASON, nulls_last=False
    )


def publication_summary(information_loss: pl.DataFrame) -> pl.DataFrame:
    """`mart.publication_summary`: values published and withheld per table and reason; tonnes of published ones only.

    The tonnes withheld for a reason can be a lone member's figure: they stay in the operators' run summary.
    """
    withheld = pl.col(SUPPRESSED)
    return information_loss.with_columns(
        pl.when(withheld).then(None).otherwise(pl.col(name)).alias(name) for name in ("quantity_t", "headline_t")
    ).select([pl.col(name).cast(dtype) for name, dtype in TABLES["mart.publication_summary"].items()])


def kinds_of(members: Collection[str], member_kinds: Mapping[str, str]) -> str | None:
    """Members counted by kind, as `company:3,university:1` (never their names); None when there are none.

    Examples
    --------
    >>> kinds_of(["a", "b", "c"], {"a": "company", "b": "university", "c": "company"})
    'company:2,university:1'

    """
    counts: dict[str, int] = {}
    for member in members:
        kind = member_kinds.get(member, "unknown")
        counts[kind] = counts.get(kind, 0) + 1
    return ",".join(f"{kind}:{n}" for kind, n in sorted(counts.items())) or None
