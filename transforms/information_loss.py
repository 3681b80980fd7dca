"""Disclosure control's information loss: what a period's publication withheld, per table and reason."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from schemas.tables import TABLES
from transforms.disclosure import CELL, COLUMN, DISCLOSURE_SPECS, REASON, SUPPRESSED, SUPPRESSION_REASON


def information_loss(built: Mapping[str, pl.DataFrame], judged: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Values and tonnes published and hidden per table and reason (null: published), for the run summary.

    A value is one quantity of one row (`n_cells` counts them); the tonnes are those values summed (a stage's
    inflow and outflow both count). They are for operators only: by reason, they can be a lone member's own
    figure, so `mart.publication_summary` keeps the counts alone (`publication_summary`).
    """
    parts = []
    for table, cells in built.items():
        values = list(DISCLOSURE_SPECS[table].value_columns)
        quantities = (
            cells.select(values)
            .with_row_index(CELL)
            .unpivot(index=CELL, on=values, variable_name=COLUMN, value_name="_tonnes")
        )
        parts.append(
            judged[table]
            .join(quantities, on=[CELL, COLUMN], how="left")
            .join(cells.select("period").with_row_index(CELL), on=CELL, how="left")
            .rename({REASON: SUPPRESSION_REASON})
            .group_by("period", SUPPRESSION_REASON)
            .agg(pl.len().cast(pl.Int32).alias("n_cells"), pl.col("_tonnes").fill_null(0.0).sum().alias("quantity_t"))
            .select(
                "period",
                pl.lit(table).alias("table_name"),
                pl.col(SUPPRESSION_REASON).is_not_null().alias(SUPPRESSED),
                SUPPRESSION_REASON,
                "n_cells",
                "quantity_t",
            )
        )
    schema = pl.Schema({**TABLES["mart.publication_summary"], "quantity_t": pl.Float64()})
    empty = pl.DataFrame(schema=schema)
    return pl.concat([empty, *(part.select(empty.columns).cast(schema) for part in parts)]).sort(
        "period", "table_name", SUPPRESSION_REASON, nulls_last=False
    )


def publication_summary(information_loss: pl.DataFrame) -> pl.DataFrame:
    """`mart.publication_summary`: how many cells of each table were published and hidden, and why."""
    return information_loss.select(
        [pl.col(name).cast(dtype) for name, dtype in TABLES["mart.publication_summary"].items()]
    )
