"""Recycled content declared by members, summed for the public: `mart.recycled_content` and its member cells.

Per period, product category (leaf, group, all) and material (leaf, group, all): the net mass declared, its pre- and
post-consumer recycled tonnes and the tonnes of recycled content verified by a third party, so the shares are
mass-weighted (a share is its tonnes over the net mass, never an average of members' shares). Every published value is
a sum of member cells (`declaration_cells`: a member's net mass, pre- or post-consumer tonnes of one product and
material, verified or not), so the joint disclosure pass protects the table as it protects the flow tables
(`DECLARATION_TABLES`): declarations are their own data, with their own contributors.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from schemas.declarations import THIRD_PARTY_VERIFIED
from schemas.tables import PERIOD_COLUMNS, RECYCLED_CONTENT_SHARES, TABLES, unsuppressed
from transforms.indicators import MATERIAL_LEVELS
from transforms.products import PRODUCT_LEVELS
from transforms.publication import LinkedTables

NET, PRE_CONSUMER, POST_CONSUMER = "net", "pre_consumer", "post_consumer"
MEASURE, VERIFIED = "measure", "is_verified"
# What names a member's cell of a period: what publishing sums, and what a release records (core.released_*).
DECLARATION_CELL_KEYS: Final = (
    "member_id",
    *PERIOD_COLUMNS,
    "product_category",
    "material",
    "material_group",
    MEASURE,
    VERIFIED,
)
# Exact sums (tonnes to the milligram), so republishing the same declarations gives the same floats.
_EXACT_T = pl.Decimal(38, 9)
_TABLE = "mart.recycled_content"
_KEYS: Final = (*PERIOD_COLUMNS, "product_category", "product_level", "material", "material_level")


def declaration_cells(declarations: pl.LazyFrame) -> pl.LazyFrame:
    """Declarations as member cells: each member's net mass, pre- and post-consumer tonnes per product and material.

    `is_verified`: the row's assurance is third_party_verified (a claim without its certificate was kept as
    self-declared when it was accepted).

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> declarations = pl.LazyFrame(
    ...     {
    ...         "member_id": ["a"], "period": ["FY2024"], "period_start": [date(2024, 4, 1)],
    ...         "period_end": [date(2025, 3, 31)], "grain": ["fiscal_year"],
    ...         "product_category": ["appliances.refrigerator"], "material": ["plastics.pp"],
    ...         "material_group": ["plastics"], "net_mass_t": [120.0], "recycled_pre_consumer_share": [0.1],
    ...         "recycled_post_consumer_share": [0.2], "assurance": ["third_party_verified"],
    ...     }
    ... )
    >>> declaration_cells(declarations).collect().select("measure", "is_verified", "quantity_t").rows()
    [('net', True, 120.0), ('post_consumer', True, 24.0), ('pre_consumer', True, 12.0)]

    """
    net = pl.col("net_mass_t")
    parts = declarations.select(
        *(name for name in DECLARATION_CELL_KEYS if name not in (MEASURE, VERIFIED)),
        (pl.col("assurance") == THIRD_PARTY_VERIFIED).fill_null(value=False).alias(VERIFIED),
        net.alias(NET),
        (net * pl.col("recycled_pre_consumer_share")).alias(PRE_CONSUMER),
        (net * pl.col("recycled_post_consumer_share")).alias(POST_CONSUMER),
    )
    keys = list(DECLARATION_CELL_KEYS)
    return (
        parts.unpivot(
            index=[name for name in keys if name != MEASURE],
            on=[NET, PRE_CONSUMER, POST_CONSUMER],
            variable_name=MEASURE,
            value_name="quantity_t",
        )
        .group_by(keys)
        .agg(pl.col("quantity_t").cast(_EXACT_T).sum())
        .with_columns(pl.col("quantity_t").cast(pl.Float64()))
        .sort(keys, nulls_last=True)
    )


def _share(numerator: str, *denominators: str) -> pl.Expr:
    """The numerator over the sum of the denominators; null (never NaN) when that sum is 0."""
    total = pl.sum_horizontal(pl.col(name) for name in denominators)
    return pl.when(total > 0).then(pl.col(numerator) / total)


def compute_recycled_content(cells: pl.LazyFrame) -> pl.LazyFrame:
    """`mart.recycled_content` before disclosure control: tonnes and mass-weighted shares at every level.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> cells = pl.LazyFrame(  # a: 100 t of PP, 10 % post-consumer; b: 300 t of PP, 30 % post-consumer, verified
    ...     {
    ...         "member_id": ["a", "a", "b", "b"], "period": ["FY2024"] * 4, "period_start": [date(2024, 4, 1)] * 4,
    ...         "period_end": [date(2025, 3, 31)] * 4, "grain": ["fiscal_year"] * 4,
    ...         "product_category": ["appliances.television"] * 4, "material": ["plastics.pp"] * 4,
    ...         "material_group": ["plastics"] * 4, "measure": ["net", "post_consumer"] * 2,
    ...         "is_verified": [False, False, True, True], "quantity_t": [100.0, 10.0, 300.0, 90.0],
    ...     }
    ... )
    >>> table = compute_recycled_content(cells).filter(product_level="all", material_level="all").collect()
    >>> table.select("net_mass_t", "recycled_post_consumer_share", "third_party_verified_share", "contributors").row(0)
    (400.0, 0.25, 0.9, 2)

    """
    measure = pl.col(MEASURE)
    quantity = pl.col("quantity_t")
    recycled = measure.is_in([PRE_CONSUMER, POST_CONSUMER])
    components = cells.select(
        *PERIOD_COLUMNS,
        pl.col("member_id").alias("_member"),
        "product_category",
        "material",
        "material_group",
        pl.when(measure == NET).then(quantity).otherwise(0.0).alias("net_mass_t"),
        pl.when(measure == PRE_CONSUMER).then(quantity).otherwise(0.0).alias("recycled_pre_consumer_t"),
        pl.when(measure == POST_CONSUMER).then(quantity).otherwise(0.0).alias("recycled_post_consumer_t"),
        pl.when(recycled & pl.col(VERIFIED)).then(quantity).otherwise(0.0).alias("third_party_verified_t"),
    )
    scoped = pl.concat(
        [
            components.with_columns(
                product.alias("product_category"),
                pl.lit(product_level).alias("product_level"),
                material.alias("material"),
                pl.lit(material_level).alias("material_level"),
            )
            for product_level, product in PRODUCT_LEVELS
            for material_level, material in MATERIAL_LEVELS
        ],
        how="vertical",
    )
    tonnes = ["net_mass_t", "recycled_pre_consumer_t", "recycled_post_consumer_t", "third_party_verified_t"]
    shares = dict(
        zip(
            RECYCLED_CONTENT_SHARES,
            (
                _share("recycled_pre_consumer_t", "net_mass_t"),
                _share("recycled_post_consumer_t", "net_mass_t"),
                _share("third_party_verified_t", "recycled_pre_consumer_t", "recycled_post_consumer_t"),
            ),
            strict=True,
        )
    )
    schema = unsuppressed(TABLES[_TABLE])
    return (
        scoped.group_by(list(_KEYS))
        .agg(*(pl.col(name).sum() for name in tonnes), pl.col("_member").n_unique().alias("contributors"))
        .with_columns(**shares)
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort(list(_KEYS), nulls_last=True)
    )


def _prepare(cells: pl.LazyFrame) -> pl.DataFrame:
    """Member cells as the builder reads them (the verified flag as a boolean, whatever a table stored)."""
    return cells.with_columns(pl.col(VERIFIED).cast(pl.Boolean())).collect()


# The tables built from members' declarations, protected together (`transforms.disclosure.joint`).
DECLARATION_TABLES: Final = LinkedTables(
    {_TABLE: compute_recycled_content},
    tuple(name for name in DECLARATION_CELL_KEYS if name != "member_id"),
    _prepare,
)
