"""Stage-to-stage links for a Sankey diagram, in the columns floWeaver reads."""

from __future__ import annotations

import polars as pl

from schemas import vocabulary as v
from schemas.tables import TABLES, unsuppressed

# (material_level, material expression): one link set per material group and one for all materials.
SANKEY_MATERIAL_LEVELS: tuple[tuple[str, pl.Expr], ...] = (
    ("group", pl.col("material_group")),
    ("all", pl.lit(v.ALL_MATERIALS)),
)


def build_sankey_links(flows: pl.LazyFrame) -> pl.LazyFrame:
    """Links source_stage → target_stage per period and material scope, summed over members.

    Self-loops (flows between processes of one stage) are dropped: a Sankey of stages cannot draw them.
    Links whose total is 0 t are dropped too: a zero-width link draws nothing, yet floWeaver and
    d3-sankey still place its nodes, so a reported 0 t would add an empty node to the diagram. The
    zero report itself stays visible in `mart.flows`.

    Examples
    --------
    >>> import polars as pl
    >>> flows = pl.LazyFrame(
    ...     {
    ...         "member_id": ["m-1", "m-1", "m-2"],
    ...         "period": ["2024"] * 3,
    ...         "material_group": ["paper"] * 3,
    ...         "source_stage": ["use", "collection", "use"],
    ...         "target_stage": ["collection", "collection", "collection"],
    ...         "quantity_t": [10.0, 4.0, 5.0],
    ...     }
    ... )
    >>> for row in build_sankey_links(flows).collect().rows():
    ...     print(row)
    ('2024', 'all', 'all', 'use', 'collection', 15.0, 2)
    ('2024', 'paper', 'group', 'use', 'collection', 15.0, 2)

    """
    schema = unsuppressed(TABLES["mart.sankey_links"])
    keys = [name for name in schema if name not in {"value_t", "contributors"}]
    between_stages = flows.filter(pl.col("source_stage") != pl.col("target_stage")).select(
        "period",
        "member_id",
        "material_group",
        pl.col("source_stage").alias("source"),
        pl.col("target_stage").alias("target"),
        pl.col("quantity_t").fill_null(0.0).alias("value_t"),
    )
    scoped = pl.concat(
        [
            between_stages.with_columns(
                material_expr.alias("material"),
                pl.lit(material_level).alias("material_level"),
            )
            for material_level, material_expr in SANKEY_MATERIAL_LEVELS
        ],
        how="vertical",
    )
    return (
        scoped.group_by(keys)
        .agg(pl.col("value_t").sum(), pl.col("member_id").n_unique().alias("contributors"))
        .filter(pl.col("value_t") > 0)
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort(keys, nulls_last=True)
    )
