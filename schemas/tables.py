"""Schemas of the published Iceberg tables, derived from the contracts where they mirror them.

`core.*` is member-level and restricted; `mart.*` is public (summed over members), disclosure-controlled and changes
only when a period is released; `draft.*` holds what the next release would publish (the secretariat reads it):
every `mart.*` table but `mart.releases` ends with `suppressed` and `suppression_reason` (`transforms.disclosure`).
The regional marts', the declarations' and the products' tables have modules of their own, merged in here.
"""

from __future__ import annotations

import polars as pl

from schemas.columns import (
    CONTRIBUTORS,
    INDICATOR_COLUMNS,
    LINEAGE,
    PERIOD_COLUMNS,
    SCOPE_COLUMNS,
    SUPPRESSION_COLUMNS,
    TARGET_DEFINITION,
    TARGET_PROGRESS_TARGET_COLUMNS,
    TARGET_VERSION,
    TARGET_VERSION_MOMENT,
    merge,
)
from schemas.declaration_tables import DECLARATION_TABLES, RECYCLED_CONTENT_SHARES, RECYCLED_CONTENT_TONNES
from schemas.disclosures import DISCLOSURES
from schemas.flows import FLOWS
from schemas.plans import PLANS
from schemas.product_tables import PRODUCT_TABLES
from schemas.progress import PROGRESS
from schemas.projects import PROJECTS
from schemas.reference import REFERENCE_STATISTICS, ROADMAP_TARGETS
from schemas.regional_tables import REGIONAL_TABLES
from schemas.targets import TARGETS

TABLES: dict[str, pl.Schema] = {
    "core.flows": merge(FLOWS.schema, LINEAGE),
    # Every version of each target: a changed definition is a new row, in force from `valid_from_at` (the moment
    # the file that set it arrived; `valid_from` is its day); progress is measured against the version in force
    # when it was reported.
    "core.targets": merge(TARGETS.schema, TARGET_VERSION, TARGET_VERSION_MOMENT, LINEAGE),
    "core.progress": merge(PROGRESS.schema, LINEAGE),
    "core.projects": merge(PROJECTS.schema, LINEAGE),
    "core.disclosures": merge(DISCLOSURES.schema, LINEAGE),
    "core.plans": merge(PLANS.schema, LINEAGE),
    "core.member_indicators": merge(
        pl.Schema({"member_id": pl.String()}), PERIOD_COLUMNS, SCOPE_COLUMNS, INDICATOR_COLUMNS
    ),
    "mart.flows": merge(
        PERIOD_COLUMNS,
        pl.Schema(
            {
                "material": pl.String(),
                "material_group": pl.String(),
                "source_stage": pl.String(),
                "target_stage": pl.String(),
                "region": pl.String(),
                "origin_region": pl.String(),
                "destination_region": pl.String(),
                "quantity_t": pl.Float64(),
            }
        ),
        CONTRIBUTORS,
        SUPPRESSION_COLUMNS,
    ),
    "mart.stage_balance": merge(
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
        SUPPRESSION_COLUMNS,
    ),
    "mart.indicators": merge(PERIOD_COLUMNS, SCOPE_COLUMNS, INDICATOR_COLUMNS, CONTRIBUTORS, SUPPRESSION_COLUMNS),
    # The column set floWeaver reads (source, target, material, time, value) plus our period code.
    "mart.sankey_links": merge(
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
        SUPPRESSION_COLUMNS,
    ),
    # Disclosure control's information loss per period: how many cells (values: one quantity of one row) of
    # each published table were published (suppressed false) and hidden, by reason, and how many of them are the
    # table's headline (all materials, whole country). Tonnes only for what is published: tonnes hidden by
    # reason could be a lone member's own figure, so they stay in the run summary. protected_kinds: whose
    # confidentiality the withheld values protect, by kind of member (never by name), on withheld rows.
    "mart.publication_summary": merge(
        pl.Schema({"period": pl.String(), "table_name": pl.String()}),
        SUPPRESSION_COLUMNS,
        pl.Schema(
            {
                "n_cells": pl.Int32(),
                "quantity_t": pl.Float64(),
                "headline_cells": pl.Int32(),
                "headline_t": pl.Float64(),
                "protected_kinds": pl.String(),
            }
        ),
    ),
    # Targets and their progress (no period: replaced whole). One row per target version that is the current one
    # or that progress was measured against (the version in force when the progress file arrived): latest_* is
    # the latest progress measured against that version, latest_reported_at when its file arrived.
    # progress_ratio = (latest - baseline) / (target - baseline); expected_ratio = share of the baseline-to-target
    # years elapsed at latest_year; computed_value is the indicator from the member's own flows, in the target's
    # unit; n_progress_not_comparable = the target's progress rows measured against a version of another
    # indicator, unit or material, which this version's values cannot be compared with.
    "core.target_progress": merge(
        pl.Schema({name: TARGETS.schema[name] for name in TARGET_PROGRESS_TARGET_COLUMNS}),
        TARGET_VERSION,
        TARGET_VERSION_MOMENT,
        pl.Schema(
            {
                "is_current_version": pl.Boolean(),
                "latest_year": pl.Int32(),
                "latest_value": pl.Float64(),
                "latest_reported_at": pl.Datetime("us", "UTC"),
                "progress_ratio": pl.Float64(),
                "expected_ratio": pl.Float64(),
                "is_on_track": pl.Boolean(),
                "computed_period": pl.String(),
                "computed_value": pl.Float64(),
                "differs_from_reported": pl.Boolean(),
                "n_progress_not_comparable": pl.Int32(),
            }
        ),
    ),
    # Per indicator and member kind (member_kind "all": every kind); contributors = members with a target.
    "mart.target_progress": merge(
        pl.Schema({"indicator": pl.String(), "member_kind": pl.String()}),
        CONTRIBUTORS,
        pl.Schema(
            {
                "n_targets": pl.Int32(),
                "n_with_progress": pl.Int32(),
                "n_on_track": pl.Int32(),
                "median_progress_ratio": pl.Float64(),
            }
        ),
        SUPPRESSION_COLUMNS,
    ),
    # Secretariat view of the membership rules on `as_of`, per member kind (and "all").
    "mart.target_compliance": merge(
        pl.Schema(
            {
                "as_of": pl.Date(),
                "member_kind": pl.String(),
                "n_members": pl.Int32(),
                "n_with_target": pl.Int32(),
                "n_with_target_within_one_year": pl.Int32(),
                "n_awaiting_target": pl.Int32(),
                "n_reported_progress_this_year": pl.Int32(),
                "share_with_target_within_one_year": pl.Float64(),
                "share_reported_progress_this_year": pl.Float64(),
            }
        ),
        SUPPRESSION_COLUMNS,
    ),
    # Each member's obligations (schemas.obligations) on `as_of`: when each is due, when it was met and by which
    # file or URL; status met | due | overdue | not_applicable (the obligation is not one of its kind's).
    "core.member_obligations": pl.Schema(
        {
            "as_of": pl.Date(),
            "member_id": pl.String(),
            "member_kind": pl.String(),
            "obligation": pl.String(),
            "due_rule": pl.String(),
            "due_on": pl.Date(),
            "met_on": pl.Date(),
            "status": pl.String(),
            "evidence_submission_id": pl.String(),
            "evidence_url": pl.String(),
        }
    ),
    # Members meeting each obligation at the end of each fiscal year (the last one: on `as_of`), per member kind
    # (and "all"); n_members = members the obligation applies to. Shares are over n_members.
    "mart.member_compliance": merge(
        pl.Schema(
            {
                "fiscal_year": pl.String(),
                "as_of": pl.Date(),
                "member_kind": pl.String(),
                "obligation": pl.String(),
                "n_members": pl.Int32(),
                "n_met": pl.Int32(),
                "n_due": pl.Int32(),
                "n_overdue": pl.Int32(),
                "share_met": pl.Float64(),
                "share_overdue": pl.Float64(),
            }
        ),
        SUPPRESSION_COLUMNS,
    ),
}


# Roadmaps (issue 15): the secretariat's reference data, ISO 59020-style shares, resource productivity, progress.
INFLOW_PARTS: tuple[str, ...] = ("reused", "recycled", "renewable", "linear")
OUTFLOW_PARTS: tuple[str, ...] = ("reused", "recycled", "biological", "energy_recovery", "disposal")
CIRCULARITY_TONNES = pl.Schema(
    {f"inflow_{part}_t": pl.Float64() for part in INFLOW_PARTS}
    | {f"outflow_{part}_t": pl.Float64() for part in OUTFLOW_PARTS}
)
CIRCULARITY_SHARES = pl.Schema(
    {f"inflow_{part}_share": pl.Float64() for part in INFLOW_PARTS}
    | {f"outflow_{part}_share": pl.Float64() for part in OUTFLOW_PARTS}
)
# A member's target may name the roadmap target it contributes to (members' `roadmap_id`).
TABLES["core.target_progress"] = merge(TABLES["core.target_progress"], pl.Schema({"roadmap_id": pl.String()}))
TABLES |= {
    "core.roadmap_targets": merge(ROADMAP_TARGETS.schema, LINEAGE),
    "core.reference_statistics": merge(REFERENCE_STATISTICS.schema, LINEAGE),
    "mart.material_circularity": merge(
        PERIOD_COLUMNS, SCOPE_COLUMNS, CIRCULARITY_TONNES, CIRCULARITY_SHARES, CONTRIBUTORS, SUPPRESSION_COLUMNS
    ),
    # basis: official (the secretariat's statistics) or members (the members' aggregate over the region's denominators).
    "mart.resource_productivity": merge(
        PERIOD_COLUMNS,
        pl.Schema(
            {
                "region": pl.String(),
                "basis": pl.String(),
                "natural_resource_input_t": pl.Float64(),
                "gdp_jpy": pl.Float64(),
                "population": pl.Float64(),
                "resource_productivity_jpy_per_t": pl.Float64(),
                "natural_resource_input_t_per_capita": pl.Float64(),
            }
        ),
        CONTRIBUTORS,
        SUPPRESSION_COLUMNS,
    ),
    # One row per roadmap target, basis (official actuals, members' aggregate: never mixed) and year of an actual
    # (`is_latest` marks the latest; a target with no actual has one row with none), in the canonical unit.
    "mart.roadmap_progress": merge(
        pl.Schema(
            {
                "roadmap_id": pl.String(),
                "scope": pl.String(),
                "indicator": pl.String(),
                "unit": pl.String(),
                "baseline_year": pl.Int32(),
                "baseline_value": pl.Float64(),
                "target_year": pl.Int32(),
                "target_value": pl.Float64(),
                "source": pl.String(),
                "basis": pl.String(),
                "actual_period": pl.String(),
                "actual_year": pl.Int32(),
                "actual_value": pl.Float64(),
                "actual_source": pl.String(),
                "trajectory_value": pl.Float64(),
                "gap": pl.Float64(),
                "is_on_track": pl.Boolean(),
                "is_latest": pl.Boolean(),
                "n_contributing_members": pl.Int32(),
            }
        ),
        CONTRIBUTORS,
        SUPPRESSION_COLUMNS,
    ),
}

TABLES |= REGIONAL_TABLES

# The public register of targets (issue 23): each registered member's current target (no period: replaced whole),
# by member name and kind, as the partnership's rules publish them; `material` "all" is every material. The
# progress columns (as core.target_progress has them) are null unless the member's `progress` disclosure class is
# public: then `suppressed` is false; otherwise true with reason `confidential`.
MEMBER_TARGET_PROGRESS_COLUMNS: tuple[str, ...] = (
    "latest_year",
    "latest_value",
    "progress_ratio",
    "expected_ratio",
    "is_on_track",
)
TABLES["mart.member_targets"] = merge(
    pl.Schema(
        {
            "member_id": pl.String(),
            "member_name": pl.String(),
            "member_kind": pl.String(),
        }
    ),
    pl.Schema(
        {
            name: TARGETS.schema[name]
            for name in ("target_id", *TARGET_DEFINITION, "published_url", "actions_url", "roadmap_id")
        }
    ),
    TARGET_VERSION,
    pl.Schema({"is_progress_public": pl.Boolean()}),
    pl.Schema({name: TABLES["core.target_progress"][name] for name in MEMBER_TARGET_PROGRESS_COLUMNS}),
    SUPPRESSION_COLUMNS,
)


# Product and material declarations (issue 27): members' declarations and the law's designations with lineage, the
# public recycled content and what each release of it was built from (`schemas.declaration_tables`); and the flows'
# products: placed on the market, collected, recycled and closed loops (`schemas.product_tables`).
TABLES |= DECLARATION_TABLES | PRODUCT_TABLES


def unsuppressed(schema: pl.Schema) -> pl.Schema:
    """A table schema without the disclosure-control columns: what a mart builder produces before suppression."""
    return pl.Schema({name: dtype for name, dtype in schema.items() if name not in SUPPRESSION_COLUMNS})


# Releases (issue 24). The public tables change only when the secretariat releases a period; every release is an
# Iceberg tag `release/<period>/<n>` on each public table. mart.releases says what each release changed, by table
# and material group (never by member): one row per release with table_name and material_group "all" (its
# totals), and one per table and material group where a value was revised or withheld for revision.
TABLES["mart.releases"] = pl.Schema(
    {
        "period": pl.String(),
        "release": pl.Int32(),
        "released_at": pl.Datetime("us", "UTC"),
        "released_by": pl.String(),
        "table_name": pl.String(),
        "material_group": pl.String(),
        "values_published": pl.Int64(),
        "values_revised": pl.Int64(),
        "values_withheld_for_revision": pl.Int64(),
    }
)
# What each release of a period was built from: members' flow cells as publishing sums them
# (flows.stages.publish.flow_cells). The next release's protection takes them as what the attacker's equations of
# that release were made of.
TABLES["core.released_cells"] = merge(
    pl.Schema({"release": pl.Int32(), "member_id": pl.String()}),
    PERIOD_COLUMNS,
    pl.Schema(
        {
            "material": pl.String(),
            "material_group": pl.String(),
            "region": pl.String(),
            "origin_region": pl.String(),
            "destination_region": pl.String(),
            "source_stage": pl.String(),
            "target_stage": pl.String(),
            "is_renewable": pl.Boolean(),
            "quantity_t": pl.Float64(),
            "product_category": pl.String(),  # added by issue 27: last, as Iceberg adds it to the existing table
        }
    ),
)

# The public tables: BI readers see these, and only as released.
PUBLIC_TABLES: tuple[str, ...] = tuple(name for name in TABLES if name.startswith("mart."))


def draft_table(public_table: str) -> str:
    """The draft of a public table: what runs rebuild between releases, readable by the secretariat only.

    Examples:
        >>> draft_table("mart.flows")
        'draft.flows'

    """
    namespace, _, name = public_table.partition(".")
    if namespace != "mart" or public_table not in TABLES:
        msg = f"{public_table!r} is not a public table; public tables are: {', '.join(PUBLIC_TABLES)}"
        raise ValueError(msg)
    return f"draft.{name}"


def public_table(draft: str) -> str:
    """The public table a draft is released to (`draft.flows` → `mart.flows`)."""
    return "mart." + draft.removeprefix("draft.")


# mart.releases is written by releases themselves; every other public table has a draft.
TABLES |= {draft_table(name): TABLES[name] for name in PUBLIC_TABLES if name != "mart.releases"}


# Tables replaced one period at a time (the others, without `period`, are replaced whole).
PERIOD_TABLES: tuple[str, ...] = tuple(name for name, schema in TABLES.items() if "period" in schema)

# The column groups, for the modules that import them from here with the tables.
__all__ = [
    "CIRCULARITY_SHARES",
    "CIRCULARITY_TONNES",
    "CONTRIBUTORS",
    "INDICATOR_COLUMNS",
    "INFLOW_PARTS",
    "LINEAGE",
    "MEMBER_TARGET_PROGRESS_COLUMNS",
    "OUTFLOW_PARTS",
    "PERIOD_COLUMNS",
    "RECYCLED_CONTENT_SHARES",
    "RECYCLED_CONTENT_TONNES",
    "PERIOD_TABLES",
    "PUBLIC_TABLES",
    "SCOPE_COLUMNS",
    "SUPPRESSION_COLUMNS",
    "TABLES",
    "TARGET_DEFINITION",
    "TARGET_PROGRESS_TARGET_COLUMNS",
    "TARGET_VERSION",
    "TARGET_VERSION_MOMENT",
    "draft_table",
    "public_table",
    "unsuppressed",
]
