"""Column groups the table schemas share: lineage, the period, scope, indicators, contributors and suppression.

`schemas.tables` builds every Iceberg table from these and from the contracts.
"""

from __future__ import annotations

import polars as pl

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
# region_level: prefecture (the region as reported), bloc (the eight 地方区分; a region that is not a prefecture
# stays itself) or all (every region): `schemas.regions`.
SCOPE_COLUMNS = pl.Schema(
    {
        "material": pl.String(),
        "material_level": pl.String(),
        "region": pl.String(),
        "region_level": pl.String(),
    }
)

CONTRIBUTORS = pl.Schema({"contributors": pl.Int32()})

# Disclosure control: a suppressed cell has its values null; the reason is few_contributors, dominance
# or secondary (hidden so that another suppressed cell cannot be recovered from a published total).
SUPPRESSION_COLUMNS = pl.Schema({"suppressed": pl.Boolean(), "suppression_reason": pl.String()})

# What defines a target: a change in any of these is a new version (the URL and description may change freely).
TARGET_DEFINITION: tuple[str, ...] = (
    "indicator",
    "material",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "unit",
)
# The target columns repeated in `core.target_progress`, in the contract's order.
TARGET_PROGRESS_TARGET_COLUMNS: tuple[str, ...] = ("member_id", "target_id", *TARGET_DEFINITION)


def merge(*schemas: pl.Schema) -> pl.Schema:
    """The columns of several schemas, in order (a later schema's type wins for a repeated name)."""
    merged: dict[str, pl.DataType] = {}
    for schema in schemas:
        merged.update(schema)
    return pl.Schema(merged)


TARGET_VERSION = pl.Schema({"valid_from": pl.Date()})
# A target version is identified by its target and the moment the file that set it arrived (`valid_from` is its
# day): two versions of one day are two versions. Kept apart from TARGET_VERSION, which the public register shows.
TARGET_VERSION_MOMENT = pl.Schema({"valid_from_at": pl.Datetime("us", "UTC")})
