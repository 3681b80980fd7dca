"""Declarations of recycled content as core rows: what a claim is accepted as.

A mass-balance or third-party-verified claim is only as good as its certificate: without one (its name and link) the
contract warns and the row is kept as self-declared, and a row that says nothing is self-declared too.
"""

from __future__ import annotations

import polars as pl

from schemas.declarations import MASS_BALANCE, SELF_DECLARED, THIRD_PARTY_VERIFIED


def settle_claims(declarations: pl.LazyFrame) -> pl.LazyFrame:
    """`assurance` as accepted: self_declared when blank, or when a claim lacks its certificate's name or link.

    Examples:
        >>> import polars as pl
        >>> rows = pl.LazyFrame(
        ...     {
        ...         "chain_of_custody": ["mass_balance", "segregated", "segregated", None],
        ...         "assurance": ["self_declared", "third_party_verified", "third_party_verified", None],
        ...         "certificate_name": [None, "ISCC PLUS 123", None, None],
        ...         "certificate_url": [None, "https://example.org/123.pdf", None, None],
        ...     }
        ... )
        >>> settle_claims(rows).collect()["assurance"].to_list()
        ['self_declared', 'third_party_verified', 'self_declared', 'self_declared']

    """
    claims = (pl.col("chain_of_custody") == MASS_BALANCE) | (pl.col("assurance") == THIRD_PARTY_VERIFIED)
    certified = pl.col("certificate_name").is_not_null() & pl.col("certificate_url").is_not_null()
    unsupported = claims.fill_null(value=False) & ~certified
    return declarations.with_columns(
        pl.when(unsupported | pl.col("assurance").is_null())
        .then(pl.lit(SELF_DECLARED))
        .otherwise(pl.col("assurance"))
        .alias("assurance")
    )


# One row per member, designated product category and material, and fiscal year: what the member's report shows.
REPORT_KEYS = ("member_id", "product_category", "designated_material", "period")


def _within(code: pl.Expr, designated: pl.Expr) -> pl.Expr:
    """A code is the designated one, or a leaf of it (a designated group covers its leaves)."""
    return (code == designated) | code.str.starts_with(pl.concat_str(designated, pl.lit(".")))


def designated_recycled_content(declarations: pl.LazyFrame, designated: pl.LazyFrame) -> pl.LazyFrame:
    """Each member's recycled content in each designated product category, year by year, against its own target.

    `declarations` are `core.declarations` rows; `designated` the law's designations (`core.designated_products`).
    The shares are weighted by net mass; `units_placed` counts each product once (a product declares it on the row
    of every material); `plan_target_share` is the member's targets weighted by the net mass they are stated on;
    `change_from_previous` is the recycled share's change since the member's previous year in the report.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> rows = pl.LazyFrame(
    ...     {
    ...         "member_id": ["a"] * 3, "period": ["FY2023", "FY2024", "FY2024"],
    ...         "period_start": [date(2023, 4, 1), date(2024, 4, 1), date(2024, 4, 1)],
    ...         "product_category": ["appliances.television"] * 3, "product_id": ["TV-1", "TV-1", "TV-1"],
    ...         "material": ["plastics.ps", "plastics.ps", "plastics.abs"], "net_mass_t": [100.0, 100.0, 300.0],
    ...         "units_placed": [40000, 60000, 60000], "recycled_pre_consumer_share": [0.0, 0.0, 0.1],
    ...         "recycled_post_consumer_share": [0.1, 0.2, 0.2], "plan_target_share": [None, 0.25, 0.25],
    ...         "assurance": ["self_declared"] * 3,
    ...     }
    ... )
    >>> law = pl.LazyFrame({"product_category": ["appliances.television"], "designated_material": ["plastics"],
    ...                     "threshold_units": [50000.0], "source": ["…"]})
    >>> report = designated_recycled_content(rows, law).collect()
    >>> report.select("period", "recycled_share", "units_placed", "is_above_threshold", "meets_target",
    ...               pl.col("change_from_previous").round(6)).rows()
    [('FY2023', 0.1, 40000, False, None, None), ('FY2024', 0.275, 60000, True, True, 0.175)]

    """
    law = designated.select(
        pl.col("product_category").alias("_designated"), "designated_material", "threshold_units", "source"
    )
    net = pl.col("net_mass_t")
    pre, post = pl.col("recycled_pre_consumer_share"), pl.col("recycled_post_consumer_share")
    rows = (
        declarations.join(law, how="cross")
        .filter(_within(pl.col("product_category"), pl.col("_designated")))
        .filter(_within(pl.col("material"), pl.col("designated_material")))
    )
    keys = ["member_id", "_designated", "designated_material", "period", "period_start"]
    sums = rows.group_by(keys).agg(
        net.sum().alias("net_mass_t"),
        (net * pre).sum().alias("_pre_t"),
        (net * post).sum().alias("_post_t"),
        (net * (pre + post)).filter(pl.col("assurance") == THIRD_PARTY_VERIFIED).sum().alias("_verified_t"),
        (net * pl.col("plan_target_share")).sum().alias("_target_t"),
        net.filter(pl.col("plan_target_share").is_not_null()).sum().alias("_targeted_t"),
        pl.col("threshold_units").first(),
        pl.col("source").first(),
    )
    units = (
        rows.group_by([*keys, "product_category", "product_id"])
        .agg(pl.col("units_placed").max())
        .group_by(keys)
        .agg(
            pl.when(pl.col("units_placed").is_not_null().any()).then(pl.col("units_placed").sum()).alias("units_placed")
        )
    )
    recycled = pl.col("_pre_t") + pl.col("_post_t")

    def share(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
        return pl.when(denominator > 0).then(numerator / denominator)

    member_series = ["member_id", "product_category", "designated_material"]
    return (
        sums.join(units, on=keys, how="left", nulls_equal=True)
        .rename({"_designated": "product_category"})
        .with_columns(
            recycled.alias("recycled_t"),
            share(recycled, pl.col("net_mass_t")).alias("recycled_share"),
            share(pl.col("_pre_t"), pl.col("net_mass_t")).alias("recycled_pre_consumer_share"),
            share(pl.col("_post_t"), pl.col("net_mass_t")).alias("recycled_post_consumer_share"),
            share(pl.col("_verified_t"), recycled).alias("third_party_verified_share"),
            share(pl.col("_target_t"), pl.col("_targeted_t")).alias("plan_target_share"),
        )
        .with_columns(
            (pl.col("recycled_share") >= pl.col("plan_target_share")).alias("meets_target"),
            (pl.col("units_placed") >= pl.col("threshold_units")).alias("is_above_threshold"),
        )
        .sort([*member_series, "period_start"])
        .with_columns(
            pl.col("period").shift(1).over(member_series).alias("previous_period"),
            pl.col("recycled_share").shift(1).over(member_series).alias("previous_recycled_share"),
        )
        .with_columns((pl.col("recycled_share") - pl.col("previous_recycled_share")).alias("change_from_previous"))
        .select(
            *REPORT_KEYS,
            "net_mass_t",
            "recycled_t",
            "recycled_share",
            "recycled_pre_consumer_share",
            "recycled_post_consumer_share",
            "third_party_verified_share",
            "plan_target_share",
            "meets_target",
            "units_placed",
            "threshold_units",
            "is_above_threshold",
            "previous_period",
            "previous_recycled_share",
            "change_from_previous",
            "source",
        )
    )
