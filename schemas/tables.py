"""Schemas of the published Iceberg tables, derived from the contracts where they mirror them.

`core.*` is member-level and restricted; `mart.*` is public (summed over members).
"""

from __future__ import annotations

import polars as pl

from schemas.flows import FLOWS
from schemas.progress import PROGRESS
from schemas.targets import TARGETS

LINEAGE = pl.Schema({"submission_id": pl.String(), "source_row": pl.Int64()})

PERIOD_COLUMNS = pl.Schema(
    {"period": pl.String(), "period_start": pl.Date(), "period_end": pl.Date(), "grain": pl.String()}
)

# Indicator quantities (tonnes) and rates; one list, used by member-level and public tables.
INDICATOR_COLUMNS = pl.Schema(
    {
        "natural_resource_input_t": pl.Float64(),
        "cyclical_use_t": pl.Float64(),
        "waste_generated_t": pl.Float64(),
        "recovered_t": pl.Float64(),
        "energy_recovery_t": pl.Float64(),
        "final_disposal_t": pl.Float64(),
        "input_cyclical_use_rate": pl.Float64(),
        "output_cyclical_use_rate": pl.Float64(),
        "recovery_rate": pl.Float64(),
        "final_disposal_rate": pl.Float64(),
    }
)

# material_level: leaf (material as reported), group (material group) or all (every material);
# region_level: region (as reported) or all (every region).
SCOPE_COLUMNS = pl.Schema(
    {
        "material": pl.String(),
        "material_level": pl.String(),
        "region": pl.String(),
        "region_level": pl.String(),
    }
)

CONTRIBUTORS = pl.Schema({"contributors": pl.Int32()})


def _merge(*schemas: pl.Schema) -> pl.Schema:
    merged: dict[str, pl.DataType] = {}
    for schema in schemas:
        merged.update(schema)
    return pl.Schema(merged)


TABLES: dict[str, pl.Schema] = {
    "core.flows": _merge(FLOWS.schema, LINEAGE),
    "core.targets": _merge(TARGETS.schema, LINEAGE),
    "core.progress": _merge(PROGRESS.schema, LINEAGE),
    "core.member_indicators": _merge(
        pl.Schema({"member_id": pl.String()}), PERIOD_COLUMNS, SCOPE_COLUMNS, INDICATOR_COLUMNS
    ),
    "mart.flows": _merge(
        PERIOD_COLUMNS,
        pl.Schema(
            {
                "material": pl.String(),
                "material_group": pl.String(),
                "source_stage": pl.String(),
                "target_stage": pl.String(),
                "region": pl.String(),
                "quantity_t": pl.Float64(),
            }
        ),
        CONTRIBUTORS,
    ),
    "mart.stage_balance": _merge(
        PERIOD_COLUMNS,
        pl.Schema(
            {
                "material": pl.String(),
                "material_group": pl.String(),
                "region": pl.String(),
                "stage": pl.String(),
                "inflow_t": pl.Float64(),
                "outflow_t": pl.Float64(),
                "imbalance_t": pl.Float64(),
            }
        ),
        CONTRIBUTORS,
    ),
    "mart.indicators": _merge(PERIOD_COLUMNS, SCOPE_COLUMNS, INDICATOR_COLUMNS, CONTRIBUTORS),
    # The column set floWeaver reads (source, target, material, time, value) plus our period code.
    "mart.sankey_links": _merge(
        pl.Schema(
            {
                "period": pl.String(),
                "material": pl.String(),
                "material_level": pl.String(),
                "source": pl.String(),
                "target": pl.String(),
                "value_t": pl.Float64(),
            }
        ),
        CONTRIBUTORS,
    ),
}

# Column each table is replaced by when a period (or a member's rows) is republished.
PERIOD_TABLES: tuple[str, ...] = tuple(name for name, schema in TABLES.items() if "period" in schema)
