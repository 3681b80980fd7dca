"""Circular-economy indicators (循環型社会形成推進基本計画 style) from accepted flows."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from schemas import vocabulary as v
from schemas.regions import ALL_REGIONS, BLOC, NATIONAL, PREFECTURE, bloc_of
from schemas.tables import INDICATOR_COLUMNS, PERIOD_COLUMNS, SCOPE_COLUMNS, TABLES, unsuppressed
from transforms.products import PRODUCT_CATEGORY, PRODUCT_LEVELS
from transforms.stages import is_flow_between, quantity_where

_ALL_STAGES = frozenset(v.STAGE_CODES)

# Which flows each indicator quantity sums; the `_t` columns of INDICATOR_COLUMNS, in that order.
# "Into" a stage means from another stage: a transfer between two landfill sites or two recyclers
# (a same-stage flow between differently named processes) must not be counted twice.
QUANTITY_FLOWS: dict[str, pl.Expr] = {
    "natural_resource_input_t": is_flow_between(v.SOURCES, v.ECONOMY),
    "cyclical_use_t": is_flow_between(v.CIRCULAR, v.ECONOMY),
    "waste_generated_t": is_flow_between(v.ECONOMY, v.END_OF_LIFE),
    "recovered_t": is_flow_between(_ALL_STAGES - v.CIRCULAR, v.CIRCULAR),
    "energy_recovery_t": is_flow_between(_ALL_STAGES - {v.ENERGY_RECOVERY}, {v.ENERGY_RECOVERY}),
    "final_disposal_t": is_flow_between(_ALL_STAGES - {v.LANDFILL}, {v.LANDFILL}),
}


def _ratio(numerator: str, denominator: pl.Expr) -> pl.Expr:
    """Numerator / denominator, null (never NaN or inf) when the denominator is 0 or null."""
    return pl.when(denominator > 0).then(pl.col(numerator) / denominator).otherwise(None)


RATES: dict[str, pl.Expr] = {
    "input_cyclical_use_rate": _ratio("cyclical_use_t", pl.col("cyclical_use_t") + pl.col("natural_resource_input_t")),
    "output_cyclical_use_rate": _ratio("cyclical_use_t", pl.col("waste_generated_t")),
    "recovery_rate": _ratio("recovered_t", pl.col("waste_generated_t")),
    "final_disposal_rate": _ratio("final_disposal_t", pl.col("waste_generated_t")),
}

# (material_level, material expression) × (region_level, region expression)
MATERIAL_LEVELS: tuple[tuple[str, pl.Expr], ...] = (
    ("leaf", pl.col("material")),
    ("group", pl.col("material_group")),
    ("all", pl.lit(v.ALL_MATERIALS)),
)
REGION_LEVELS: tuple[tuple[str, pl.Expr], ...] = (
    (PREFECTURE, pl.col("region")),
    (BLOC, bloc_of(pl.col("region"))),
    (ALL_REGIONS, pl.lit(ALL_REGIONS)),
)
# A nationwide figure (region JP) has no prefecture or bloc: it counts at level all only, so the prefecture
# and bloc levels hold places, not a "JP" cell that only national bodies ever fill.
_IN_LEVEL: dict[str, pl.Expr] = {
    PREFECTURE: pl.col("region") != NATIONAL,
    BLOC: pl.col("region") != NATIONAL,
    ALL_REGIONS: pl.lit(value=True),
}


def sum_at_every_level(
    flows: pl.LazyFrame, quantities: Mapping[str, pl.Expr], *, by_member: bool, by_product: bool = False
) -> pl.LazyFrame:
    """The tonnes of each flow condition in `quantities`, summed at every material × region level, with contributors.

    Keys are the period and scope columns (and `member_id` when `by_member`); `contributors` counts members. With
    `by_product`, every product level too (`product_category`, `product_level`: the category, its group, all).
    """
    member_keys = ["member_id"] if by_member else []
    product_keys = [PRODUCT_CATEGORY] if by_product else []
    components = flows.select(
        *member_keys,
        *PERIOD_COLUMNS,
        pl.col("member_id").alias("_member"),
        *product_keys,
        "material",
        "material_group",
        "region",
        *(quantity_where(condition).alias(name) for name, condition in quantities.items()),
    )
    product_levels: tuple[tuple[str, pl.Expr], ...] = PRODUCT_LEVELS if by_product else (("", pl.lit(None)),)
    scoped = pl.concat(
        [
            components.filter(_IN_LEVEL[region_level]).with_columns(
                *(
                    (product_expr.alias(PRODUCT_CATEGORY), pl.lit(product_level).alias("product_level"))
                    if by_product
                    else ()
                ),
                material_expr.alias("material"),
                pl.lit(material_level).alias("material_level"),
                region_expr.alias("region"),
                pl.lit(region_level).alias("region_level"),
            )
            for product_level, product_expr in product_levels
            for material_level, material_expr in MATERIAL_LEVELS
            for region_level, region_expr in REGION_LEVELS
        ],
        how="vertical",
    )
    product_scope = [PRODUCT_CATEGORY, "product_level"] if by_product else []
    return scoped.group_by([*member_keys, *PERIOD_COLUMNS, *product_scope, *SCOPE_COLUMNS]).agg(
        *(pl.col(name).sum() for name in quantities),
        pl.col("_member").n_unique().alias("contributors"),
    )


def _check_definitions() -> None:
    """Fail at import if the indicator definitions drift from the published schema."""
    expected = list(INDICATOR_COLUMNS)
    if [*QUANTITY_FLOWS, *RATES] != expected:
        msg = f"indicator definitions {[*QUANTITY_FLOWS, *RATES]} do not match INDICATOR_COLUMNS {expected}"
        raise RuntimeError(msg)


_check_definitions()


def compute_indicators(flows: pl.LazyFrame) -> pl.LazyFrame:
    """Indicator quantities and rates per period at every material level (leaf/group/all) and region level.

    Summed over members, with `contributors`: `mart.indicators` before disclosure control. One member's own are
    `compute_member_indicators`.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> flows = pl.LazyFrame(
    ...     {
    ...         "member_id": ["m-1", "m-1", "m-1"],
    ...         "period": ["2024"] * 3,
    ...         "period_start": [date(2024, 1, 1)] * 3,
    ...         "period_end": [date(2024, 12, 31)] * 3,
    ...         "grain": ["year"] * 3,
    ...         "material": ["paper"] * 3,
    ...         "material_group": ["paper"] * 3,
    ...         "region": ["JP"] * 3,
    ...         "source_stage": ["import", "recycling", "use"],
    ...         "target_stage": ["production", "production", "landfill"],
    ...         "quantity_t": [75.0, 25.0, 10.0],
    ...     }
    ... )
    >>> table = compute_indicators(flows).filter(material_level="all", region_level="all").collect()
    >>> table.select("input_cyclical_use_rate", "final_disposal_rate", "recovery_rate", "contributors").row(0)
    (0.25, 1.0, 0.0, 1)

    """
    return _indicators(flows, by_member=False)


def compute_member_indicators(flows: pl.LazyFrame) -> pl.LazyFrame:
    """Each member's own indicator quantities and rates, as `compute_indicators` (`core.member_indicators`)."""
    return _indicators(flows, by_member=True)


def _indicators(flows: pl.LazyFrame, *, by_member: bool) -> pl.LazyFrame:
    schema = TABLES["core.member_indicators"] if by_member else unsuppressed(TABLES["mart.indicators"])
    keys = [*(["member_id"] if by_member else []), *PERIOD_COLUMNS, *SCOPE_COLUMNS]
    return (
        sum_at_every_level(flows, QUANTITY_FLOWS, by_member=by_member)
        .with_columns(**RATES)
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort(keys, nulls_last=True)
    )
