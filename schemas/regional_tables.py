"""The regional marts' schemas: transfers between regions and each region's balance of what it generates and treats.

Kept apart from `schemas/tables.py` (which merges them in) so that module stays one page of the shared tables.
"""

from __future__ import annotations

import polars as pl

from schemas.columns import CONTRIBUTORS, PERIOD_COLUMNS, SUPPRESSION_COLUMNS, merge

# Regional circulation (issue 14). A transfer is a flow whose origin and destination differ at a region level.
# mart.regional_flows: tonnes moved from one region to another, per material level (leaf, group, all), at
# prefecture and bloc level; a flow inside one region at a level is not a transfer at that level.
# mart.regional_balance: per region (prefecture, bloc, all), material level (group, all) and treatment route
# (the end-of-life stage, or all), the waste generated in the region (flows from the economy into end-of-life
# stages whose origin is in it), the part treated inside, sent out and received from elsewhere;
# self_sufficiency_rate = treated_inside_t / generated_t.
REGIONAL_BALANCE_QUANTITIES: tuple[str, ...] = ("generated_t", "treated_inside_t", "sent_out_t", "received_t")
REGIONAL_TABLES: dict[str, pl.Schema] = {
    "mart.regional_flows": merge(
        PERIOD_COLUMNS,
        pl.Schema(
            {
                "material": pl.String(),
                "material_level": pl.String(),
                "region_level": pl.String(),
                "origin_region": pl.String(),
                "destination_region": pl.String(),
                "quantity_t": pl.Float64(),
            }
        ),
        CONTRIBUTORS,
        SUPPRESSION_COLUMNS,
    ),
    "mart.regional_balance": merge(
        PERIOD_COLUMNS,
        pl.Schema(
            {
                "material": pl.String(),
                "material_level": pl.String(),
                "region": pl.String(),
                "region_level": pl.String(),
                "route": pl.String(),
            }
        ),
        pl.Schema({name: pl.Float64() for name in REGIONAL_BALANCE_QUANTITIES}),
        pl.Schema({"self_sufficiency_rate": pl.Float64()}),
        CONTRIBUTORS,
        SUPPRESSION_COLUMNS,
    ),
}
