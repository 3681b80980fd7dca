"""Product categories in frames: an unknown leaf rolled up to its group, and the levels a table sums them at."""

from __future__ import annotations

import polars as pl

from schemas import products as p

PRODUCT_CATEGORY = "product_category"
# (product_level, product expression): the category as reported, its group, every product.
PRODUCT_LEVELS: tuple[tuple[str, pl.Expr], ...] = (
    ("leaf", pl.col(PRODUCT_CATEGORY)),
    ("group", pl.col(PRODUCT_CATEGORY).str.extract(r"^([^.]+)", 1)),
    ("all", pl.lit(p.ALL_PRODUCTS)),
)


def roll_up_unknown_products(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Replace a product category that is not in the vocabulary by its group, when the group is known.

    Examples:
        >>> import polars as pl
        >>> frame = pl.LazyFrame({"product_category": ["packaging.pet_bottle", "packaging.glass_jar", "toys.robot"]})
        >>> roll_up_unknown_products(frame).collect()["product_category"].to_list()
        ['packaging.pet_bottle', 'packaging', 'toys.robot']

    """
    category = pl.col(PRODUCT_CATEGORY)
    group = category.str.extract(r"^([^.]+)", 1)
    unknown = ~category.is_in(p.PRODUCT_CODES) & group.is_in(p.PRODUCT_GROUP_CODES)
    return frame.with_columns(pl.when(unknown).then(group).otherwise(category).alias(PRODUCT_CATEGORY))
