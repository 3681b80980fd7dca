"""What hiding a published value costs the public: the cost model of the joint disclosure pass.

Statistical offices weigh what they hide (τ-ARGUS's cost variable): a total costs more than a detail cell. Here
a value's cost grows with its level in the hierarchies, so secondary suppression gives up detail before totals.
"""

from __future__ import annotations

import polars as pl

from transforms.disclosure import CELL, COLUMN, DISCLOSURE_SPECS

COST = "_cost"  # what hiding a value costs the public

# Hiding a value costs LEVEL_COST ** (material rank + region rank), times 1 + its share of the largest value:
# a national all-materials total costs 10,000 times a prefecture's leaf, so the LP gives up detail first.
LEVEL_COST = 10.0
MATERIAL_RANKS = {"leaf": 0, "group": 1, "all": 2}
REGION_RANKS = {"prefecture": 0, "bloc": 1, "all": 2}
# A deviation that moves a value of this rank or above (a group's national total, an all-materials bloc) is
# looked for again across every material group.
WIDE_RANK = 3
# A table without a region column is national: the Sankey's links are the whole country's.
NATIONAL_TABLES = frozenset({"mart.sankey_links"})
# Products split the flows' cells further: a value of the product table ranks one level below the flow tables' value
# of the same material and region level, whatever its product level, so the LP gives up a product's detail before
# any flow table's figure (the headline of the flows stays as it was before products). Declarations' products, a pass
# of their own, rank as materials do.
FLOW_DETAIL_TABLES = frozenset({"mart.product_circularity"})


def value_costs(table: str, cells: pl.DataFrame, offset: int) -> pl.DataFrame:
    """(`_cell`, `_column`, `_cost`): what hiding each value of a table costs, by its level in the hierarchies.

    Examples
    --------
    >>> import polars as pl
    >>> cells = pl.DataFrame({"material_level": ["leaf", "all"], "region_level": ["prefecture", "all"],
    ...                       "quantity_t": [5.0, 10.0]})
    >>> value_costs("mart.regional_flows", cells, 0).get_column("_cost").to_list()
    [1.5, 20000.0]

    """
    names = cells.columns
    national = 2 if table in NATIONAL_TABLES else 0
    material = (
        pl.col("material_level").replace_strict(MATERIAL_RANKS, default=0, return_dtype=pl.Int64)
        if "material_level" in names
        else pl.lit(0)
    )
    region = (
        pl.col("region_level").replace_strict(REGION_RANKS, default=0, return_dtype=pl.Int64)
        if "region_level" in names
        else pl.lit(national)
    )
    if table in FLOW_DETAIL_TABLES:
        region = region - 1
    elif "product_level" in names:  # declarations' products rank as materials do
        region = region + pl.col("product_level").replace_strict(MATERIAL_RANKS, default=0, return_dtype=pl.Int64)
    values = list(DISCLOSURE_SPECS[table].value_columns)
    size = pl.col("_size").abs()
    return (
        cells.with_row_index(CELL)
        .select((pl.col(CELL) + offset).alias(CELL), (material + region).alias("_rank"), *values)
        .unpivot(index=[CELL, "_rank"], on=values, variable_name=COLUMN, value_name="_size")
        .select(
            pl.col(CELL).cast(pl.UInt32),
            COLUMN,
            (
                pl.lit(LEVEL_COST).pow(pl.col("_rank"))
                * (1.0 + size.fill_null(0.0) / pl.max_horizontal(size.max(), pl.lit(1e-12)))
            ).alias(COST),
        )
    )
