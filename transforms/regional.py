"""Regional circulation: where materials come from and go to, by prefecture and bloc (地域循環).

A flow moves tonnes from its `origin_region` to its `destination_region` (both default to its `region`). At a
region level (prefecture, bloc, all) the two ends are read at that level (`schemas.regions.bloc_of`): a flow
whose ends differ there is a *transfer* at that level. Osaka → Hyogo is a transfer between prefectures, but
inside the Kinki bloc and domestic at national level.

`mart.regional_flows` sums transfers per origin and destination. `mart.regional_balance` follows waste to
treatment: every flow into a treatment stage (recycling, energy recovery, incineration, landfill, …) from
another stage is generated where it leaves and treated where it arrives. A region's `generated_t` is what
leaves its own processes for treatment, `treated_inside_t` the part treated in the region, `sent_out_t` the
part treated elsewhere and `received_t` what others send it; `self_sufficiency_rate` is treated inside ÷
generated. Each route is one treatment stage; route `all` sums them, so incineration ash sent to landfill
counts again as landfill's input, as a treatment flow chart counts it.
"""

from __future__ import annotations

import polars as pl

from schemas import vocabulary as v
from schemas.regional_tables import REGIONAL_BALANCE_QUANTITIES
from schemas.regions import ALL_REGIONS, BLOC, BLOC_CODES, NATIONAL, PREFECTURE, PREFECTURE_CODES, bloc_of
from schemas.tables import PERIOD_COLUMNS, TABLES, unsuppressed
from transforms.indicators import MATERIAL_LEVELS

ORIGIN, DESTINATION = "origin_region", "destination_region"
TREATMENT_STAGES: frozenset[str] = v.END_OF_LIFE - {"collection", "sorting"}
ALL_ROUTES = "all"
_MEMBER, _SAME, _SIDE = "_member", "_same", "_side"


def with_ends(flows: pl.LazyFrame) -> pl.LazyFrame:
    """The flows with `origin_region` and `destination_region` filled from `region` where absent or blank."""
    present = flows.collect_schema().names()
    return flows.with_columns(
        pl.coalesce([pl.col(name) for name in (end, "region") if name in present]).alias(end)
        for end in (ORIGIN, DESTINATION)
    )


def region_at(level: str, region: pl.Expr) -> pl.Expr:
    """A region read at a level: itself (prefecture), its bloc, or `all` for anything in Japan.

    A region outside Japan (an import's origin, `CN`) stays itself at every level.
    """
    if level == PREFECTURE:
        return region
    if level == BLOC:
        return bloc_of(region)
    return pl.when(region.str.starts_with(NATIONAL)).then(pl.lit(ALL_REGIONS)).otherwise(region)


def _by_level(flows: pl.LazyFrame, levels: tuple[str, ...], material_levels: tuple[str, ...]) -> pl.LazyFrame:
    """Every flow once per material level × region level, its ends read at that region level."""
    ended = with_ends(flows)
    return pl.concat(
        [
            ended.select(
                *PERIOD_COLUMNS,
                material.alias("material"),
                pl.lit(material_level).alias("material_level"),
                pl.lit(level).alias("region_level"),
                region_at(level, pl.col(ORIGIN)).alias(ORIGIN),
                region_at(level, pl.col(DESTINATION)).alias(DESTINATION),
                "source_stage",
                "target_stage",
                pl.col("quantity_t").fill_null(0.0),
                pl.col("member_id").alias(_MEMBER),
            )
            for material_level, material in MATERIAL_LEVELS
            if material_level in material_levels
            for level in levels
        ],
        how="vertical",
    )


def compute_regional_flows(flows: pl.LazyFrame) -> pl.LazyFrame:
    """`mart.regional_flows`: tonnes moved between regions, per material level, at prefecture and bloc level.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> flows = pl.LazyFrame(  # Osaka's waste plastics recycled in Hyogo; Kyoto's treated at home
    ...     {
    ...         "member_id": ["osaka", "kyoto"],
    ...         "period": ["FY2024"] * 2,
    ...         "period_start": [date(2024, 4, 1)] * 2,
    ...         "period_end": [date(2025, 3, 31)] * 2,
    ...         "grain": ["fiscal_year"] * 2,
    ...         "material": ["plastics"] * 2,
    ...         "material_group": ["plastics"] * 2,
    ...         "region": ["JP-27", "JP-26"],
    ...         "origin_region": ["JP-27", None],
    ...         "destination_region": ["JP-28", None],
    ...         "source_stage": ["use"] * 2,
    ...         "target_stage": ["recycling"] * 2,
    ...         "quantity_t": [120.0, 40.0],
    ...     }
    ... )
    >>> out = compute_regional_flows(flows).filter(material_level="all").collect()
    >>> out.select("region_level", "origin_region", "destination_region", "quantity_t").rows()
    [('prefecture', 'JP-27', 'JP-28', 120.0)]

    """
    schema = unsuppressed(TABLES["mart.regional_flows"])
    keys = [name for name in schema if name not in {"quantity_t", "contributors"}]
    return (
        _by_level(flows, (PREFECTURE, BLOC), ("leaf", "group", v.ALL_MATERIALS))
        .filter(pl.col(ORIGIN) != pl.col(DESTINATION))
        .group_by(keys)
        .agg(pl.col("quantity_t").sum(), pl.col(_MEMBER).n_unique().alias("contributors"))
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort(keys, nulls_last=True)
    )


_REGIONS_AT: dict[str, tuple[str, ...]] = {
    PREFECTURE: PREFECTURE_CODES,
    BLOC: BLOC_CODES,
    ALL_REGIONS: (ALL_REGIONS,),
}


def compute_regional_balance(flows: pl.LazyFrame) -> pl.LazyFrame:
    """`mart.regional_balance`: waste generated, treated inside, sent out and received, per region and route.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> flows = pl.LazyFrame(  # Osaka sends 120 t of waste plastics to a recycler in Hyogo
    ...     {
    ...         "member_id": ["osaka"],
    ...         "period": ["FY2024"],
    ...         "period_start": [date(2024, 4, 1)],
    ...         "period_end": [date(2025, 3, 31)],
    ...         "grain": ["fiscal_year"],
    ...         "material": ["plastics"],
    ...         "material_group": ["plastics"],
    ...         "region": ["JP-27"],
    ...         "origin_region": ["JP-27"],
    ...         "destination_region": ["JP-28"],
    ...         "source_stage": ["use"],
    ...         "target_stage": ["recycling"],
    ...         "quantity_t": [120.0],
    ...     }
    ... )
    >>> out = compute_regional_balance(flows).filter(material_level="all", route="all").collect()
    >>> out.select("region", "generated_t", "treated_inside_t", "sent_out_t", "received_t").rows()
    [('JP-27', 120.0, 0.0, 120.0, 0.0), ('JP-28', 0.0, 0.0, 0.0, 120.0), \
('JP-B-KINKI', 120.0, 120.0, 0.0, 0.0), ('all', 120.0, 120.0, 0.0, 0.0)]

    """
    schema = unsuppressed(TABLES["mart.regional_balance"])
    generated, inside, sent, received = REGIONAL_BALANCE_QUANTITIES
    keys = [
        name for name in schema if name not in {*REGIONAL_BALANCE_QUANTITIES, "self_sufficiency_rate", "contributors"}
    ]
    into_treatment = pl.col("target_stage").is_in(sorted(TREATMENT_STAGES)) & (
        pl.col("source_stage") != pl.col("target_stage")
    )
    scoped = (
        _by_level(flows, (PREFECTURE, BLOC, ALL_REGIONS), ("group", v.ALL_MATERIALS))
        .filter(into_treatment)
        .with_columns((pl.col(ORIGIN) == pl.col(DESTINATION)).alias(_SAME))
    )
    routed = pl.concat(
        [
            scoped.with_columns(pl.col("target_stage").alias("route")),
            scoped.with_columns(pl.lit(ALL_ROUTES).alias("route")),
        ]
    )
    quantity, same = pl.col("quantity_t"), pl.col(_SAME)
    zero = pl.lit(0.0)
    sides = pl.concat(
        [
            routed.select(
                *keys[: keys.index("region")],
                pl.col(ORIGIN).alias("region"),
                *keys[keys.index("region") + 1 :],
                _MEMBER,
                quantity.alias(generated),
                pl.when(same).then(quantity).otherwise(zero).alias(inside),
                pl.when(same).then(zero).otherwise(quantity).alias(sent),
                zero.alias(received),
            ),
            routed.filter(~same).select(
                *keys[: keys.index("region")],
                pl.col(DESTINATION).alias("region"),
                *keys[keys.index("region") + 1 :],
                _MEMBER,
                zero.alias(generated),
                zero.alias(inside),
                zero.alias(sent),
                quantity.alias(received),
            ),
        ]
    )
    in_hierarchy = pl.any_horizontal(
        (pl.col("region_level") == level) & pl.col("region").is_in(regions) for level, regions in _REGIONS_AT.items()
    )
    return (
        sides.filter(in_hierarchy)
        .group_by(keys)
        .agg(
            *(pl.col(name).sum() for name in REGIONAL_BALANCE_QUANTITIES),
            pl.col(_MEMBER).n_unique().alias("contributors"),
        )
        .with_columns(
            pl.when(pl.col(generated) > 0).then(pl.col(inside) / pl.col(generated)).alias("self_sufficiency_rate")
        )
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort(keys, nulls_last=True)
    )


__all__ = [
    "TREATMENT_STAGES",
    "compute_regional_balance",
    "compute_regional_flows",
    "region_at",
    "with_ends",
]
