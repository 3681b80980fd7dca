"""Schemas of the tables built from members' declarations (issue 27), merged into `schemas.tables.TABLES`.

`core.declarations` and `core.designated_products` are accepted rows with lineage. `mart.recycled_content` is the
public recycled content per period, product category (leaf, group, all) and material (leaf, group, all): the tonnes
declared, the mass-weighted shares (pre- and post-consumer over the net mass; third-party verified over the recycled
tonnes) and the declarants. `core.released_declaration_cells` records what each release of it was built from
(members' cells, as `transforms.recycled_content` sums them), for the next release's protection.
"""

from __future__ import annotations

import polars as pl

from schemas.columns import CONTRIBUTORS, LINEAGE, PERIOD_COLUMNS, SUPPRESSION_COLUMNS, merge
from schemas.declarations import DECLARATIONS
from schemas.designated_products import DESIGNATED_PRODUCTS

RECYCLED_CONTENT_TONNES: tuple[str, ...] = (
    "net_mass_t",
    "recycled_pre_consumer_t",
    "recycled_post_consumer_t",
    "third_party_verified_t",
)
RECYCLED_CONTENT_SHARES: tuple[str, ...] = (
    "recycled_pre_consumer_share",
    "recycled_post_consumer_share",
    "third_party_verified_share",
)
_DECLARED_CELL = pl.Schema(
    {
        "product_category": pl.String(),
        "material": pl.String(),
        "material_group": pl.String(),
        "measure": pl.String(),
        "is_verified": pl.Boolean(),
        "quantity_t": pl.Float64(),
    }
)
DECLARATION_TABLES: dict[str, pl.Schema] = {
    "core.declarations": merge(DECLARATIONS.schema, LINEAGE),
    "core.designated_products": merge(DESIGNATED_PRODUCTS.schema, LINEAGE),
    "mart.recycled_content": merge(
        PERIOD_COLUMNS,
        pl.Schema(
            {
                "product_category": pl.String(),
                "product_level": pl.String(),
                "material": pl.String(),
                "material_level": pl.String(),
            }
        ),
        pl.Schema({name: pl.Float64() for name in (*RECYCLED_CONTENT_TONNES, *RECYCLED_CONTENT_SHARES)}),
        CONTRIBUTORS,
        SUPPRESSION_COLUMNS,
    ),
    "core.released_declaration_cells": merge(
        pl.Schema({"release": pl.Int32(), "member_id": pl.String()}), PERIOD_COLUMNS, _DECLARED_CELL
    ),
}
