"""Product circularity from the flows that name a product: placed on the market, collected, recycled, closed loops.

`mart.product_circularity` per period, product category (leaf, group, all), material (leaf, group, all) and region
(prefecture, bloc, all), summed over members (`schemas.product_tables` lists the columns, `docs/contract.md` the
formulas with the associations' definitions). A flow out of recycling names a product only when the recycled material
goes back into that product, so every such flow into production or manufacturing is that product's closed loop. Flows
that name no product are left out: they are in every other table, which sum over products. The table is one more
table of the flows' joint disclosure pass (`transforms.publication.PUBLISHED_BUILDERS`).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from schemas import vocabulary as v
from schemas.product_tables import PRODUCT_CIRCULARITY_RATES, PRODUCT_CIRCULARITY_TONNES
from schemas.regions import NATIONAL
from schemas.tables import TABLES, unsuppressed
from transforms.indicators import sum_at_every_level
from transforms.products import PRODUCT_CATEGORY
from transforms.regional import DESTINATION, with_ends
from transforms.stages import is_flow_between

TABLE: Final = "mart.product_circularity"
_INTO_RECYCLING = is_flow_between(frozenset(v.STAGE_CODES) - {"recycling"}, {"recycling"})

# Which flows each quantity sums (`schemas.product_tables.PRODUCT_CIRCULARITY_TONNES`, in that order).
PRODUCT_FLOWS: dict[str, pl.Expr] = {
    "placed_on_market_t": is_flow_between({"manufacturing"}, {"use"}),
    "collected_t": is_flow_between({"use"}, {"collection"}),
    "recycled_t": _INTO_RECYCLING,
    # Recycled in Japan: the flow's destination (its region when blank) is a Japanese region.
    "recycled_domestic_t": _INTO_RECYCLING & pl.col(DESTINATION).str.starts_with(NATIONAL).fill_null(value=False),
    "closed_loop_t": is_flow_between({"recycling"}, {"production", "manufacturing"}),
}
RATES: dict[str, pl.Expr] = {
    name: pl.when(pl.col(denominator) > 0).then(pl.col(numerator) / pl.col(denominator))
    for name, (numerator, denominator) in PRODUCT_CIRCULARITY_RATES.items()
}
_KEYS: Final = [name for name in unsuppressed(TABLES[TABLE]) if name not in {*PRODUCT_FLOWS, *RATES, "contributors"}]


def compute_product_circularity(flows: pl.LazyFrame) -> pl.LazyFrame:
    """`mart.product_circularity` before disclosure control: tonnes and rates at every product, material, region level.

    Examples
    --------
    >>> from datetime import date
    >>> import polars as pl
    >>> flows = pl.LazyFrame(  # cans: 100 t sold, 90 t collected, 60 t recycled in Japan, 30 t abroad, 45 t can to can
    ...     {
    ...         "member_id": ["maker", "city", "recycler", "recycler", "recycler"],
    ...         "period": ["FY2024"] * 5,
    ...         "period_start": [date(2024, 4, 1)] * 5,
    ...         "period_end": [date(2025, 3, 31)] * 5,
    ...         "grain": ["fiscal_year"] * 5,
    ...         "material": ["metals.aluminium"] * 5,
    ...         "material_group": ["metals"] * 5,
    ...         "product_category": ["packaging.aluminium_can"] * 5,
    ...         "region": ["JP"] * 5,
    ...         "destination_region": [None, None, None, "KR", None],
    ...         "source_stage": ["manufacturing", "use", "sorting", "sorting", "recycling"],
    ...         "target_stage": ["use", "collection", "recycling", "recycling", "manufacturing"],
    ...         "quantity_t": [100.0, 90.0, 60.0, 30.0, 45.0],
    ...     }
    ... )
    >>> table = compute_product_circularity(flows).filter(product_level="leaf", material_level="leaf").collect()
    >>> table.select("recycled_t", "recycled_domestic_t", "recycling_rate", "closed_loop_share_of_recycled").row(0)
    (90.0, 60.0, 0.9, 0.75)

    """
    if PRODUCT_CATEGORY not in flows.collect_schema().names():
        flows = flows.with_columns(pl.lit(None, dtype=pl.String()).alias(PRODUCT_CATEGORY))
    tagged = with_ends(flows).filter(pl.col(PRODUCT_CATEGORY).is_not_null())
    schema = unsuppressed(TABLES[TABLE])
    return (
        sum_at_every_level(tagged, PRODUCT_FLOWS, by_member=False, by_product=True)
        .with_columns(**RATES)
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
        .sort(_KEYS, nulls_last=True)
    )


if list(PRODUCT_FLOWS) != list(PRODUCT_CIRCULARITY_TONNES):  # the definitions follow the published schema
    msg = f"product circularity definitions {list(PRODUCT_FLOWS)} do not match {PRODUCT_CIRCULARITY_TONNES}"
    raise RuntimeError(msg)
