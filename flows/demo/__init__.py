"""`junkan demo`: a realistic year of members' files through the whole path on the embedded default."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

import polars as pl

from flows.demo.data.generate import DemoFile, DemoManifest, generate_demo
from flows.demo.data.products import REPORTING_PRODUCER
from flows.runtime import prepare_environment
from flows.stages.members import import_members
from flows.stages.roadmaps import ensure_secretariat
from flows.stages.summary import RunSummary
from infra.hashing import sha256_stream
from infra.redact import redact_url
from infra.resources import Resources, build_resources
from infra.settings import get_settings
from infra.storage import REPORTS, keys
from schemas.reference import SECRETARIAT_ID
from schemas.tables import TABLES
from transforms.indicators import QUANTITY_FLOWS

# The reference files shipped in the repository's reference/ folder, by dataset.
REFERENCE_DIRECTORY = Path(__file__).resolve().parents[2] / "reference"
REFERENCE_FILES: dict[str, Path] = {
    "roadmap_targets": REFERENCE_DIRECTORY / "roadmap_targets.csv",
    "reference_statistics": REFERENCE_DIRECTORY / "reference_statistics.csv",
    "designated_products": REFERENCE_DIRECTORY / "designated_products.csv",
}

HEADLINE_QUERY = """
SELECT period, contributors, suppressed, natural_resource_input_t, cyclical_use_t, waste_generated_t, final_disposal_t,
       input_cyclical_use_rate, output_cyclical_use_rate, final_disposal_rate
FROM mart.indicators
WHERE material_level = 'all' AND region_level = 'all'
ORDER BY period_start, period
"""

ROADMAP_QUERY = """
SELECT roadmap_id, basis, actual_period, actual_value, trajectory_value, gap, is_on_track, target_year, target_value
FROM mart.roadmap_progress
WHERE is_latest
ORDER BY roadmap_id, basis
"""

# Issue 14's measure of what the public side shows: the share of the material-group cells of mart.indicators
# (a row's quantities: disclosure control withholds them one by one) published at each region level, per
# period; and how many rows are published whole.
_PUBLISHED_VALUES = " + ".join(f"CASE WHEN {name} IS NULL THEN 0 ELSE 1 END" for name in QUANTITY_FLOWS)
PUBLISHED_SHARE_QUERY = f"""
SELECT period, region_level, {len(QUANTITY_FLOWS)} * count(*) AS cells, sum({_PUBLISHED_VALUES}) AS published,
       sum({_PUBLISHED_VALUES}) / ({len(QUANTITY_FLOWS)} * count(*) * 1.0) AS published_share,
       count(*) AS rows, sum(CASE WHEN suppressed THEN 0 ELSE 1 END) AS rows_whole
FROM mart.indicators
WHERE material_level = 'group'
GROUP BY period, period_start, region_level
ORDER BY period_start, period, region_level DESC
"""  # noqa: S608 (built from the indicator definitions, not from input)


HEADLINE_QUANTITIES = ("natural_resource_input_t", "cyclical_use_t", "waste_generated_t", "final_disposal_t")
HEADLINE_RATES = ("input_cyclical_use_rate", "output_cyclical_use_rate", "final_disposal_rate")


def visibility(resources: Resources, information_loss: pl.DataFrame) -> pl.DataFrame:
    """Issue 23's measure of the public face, per period: what a visitor sees at the top of each table.

    The national all-materials row of `mart.indicators` (quantities and rates published), the Sankey's national
    all-materials links drawn and their share of tonnes (operators' information loss holds the withheld
    tonnes), the members' rows of `mart.roadmap_progress` with a value, and the prefectures the map's best
    all-materials layer colours.
    """
    indicators = resources.warehouse.read("mart.indicators").filter(material_level="all")
    national = (
        indicators.filter(region_level="all")
        .group_by("period")
        .agg(
            pl.sum_horizontal(pl.col(name).is_not_null() for name in HEADLINE_QUANTITIES).first().alias("quantities"),
            pl.sum_horizontal(pl.col(name).is_not_null() for name in HEADLINE_RATES).first().alias("rates"),
        )
    )
    prefectures = (
        indicators.filter(region_level="prefecture")
        .group_by("period")
        .agg(pl.max_horizontal((pl.col(name) > 0).sum() for name in QUANTITY_FLOWS).alias("map_prefectures"))
    )
    links = (
        information_loss.filter(table_name="mart.sankey_links")
        .group_by("period")
        .agg(
            pl.col("headline_cells").filter(~pl.col("suppressed")).sum().alias("links_drawn"),
            pl.col("headline_cells").sum().alias("links"),
            (pl.col("headline_t").filter(~pl.col("suppressed")).sum() / pl.col("headline_t").sum()).alias(
                "link_tonnes_share"
            ),
        )
    )
    roadmaps = resources.warehouse.read("mart.roadmap_progress").filter(basis="members", is_latest=True)
    members_rows = pl.DataFrame(
        {
            "roadmap_members_with_value": [roadmaps.get_column("actual_value").is_not_null().sum()],
            "roadmap_members": [roadmaps.height],
        }
    )
    return (
        national.join(links, on="period", how="left")
        .join(prefectures, on="period", how="left")
        .join(members_rows, how="cross")
        .sort("period")
    )


@dataclass(frozen=True)
class DemoResult:
    """What the demo did and where its outputs are."""

    manifest: DemoManifest
    summary: RunSummary
    headline: pl.DataFrame
    roadmaps: pl.DataFrame
    published: pl.DataFrame  # PUBLISHED_SHARE_QUERY
    visibility: pl.DataFrame  # `visibility`
    releases: pl.DataFrame  # mart.releases: the demo's release of each period
    storage_url: str  # as safe to print: no password or query values (infra.redact)
    catalog_url: str
    reports_uri: str
    period_report_uris: tuple[str, ...]
    recycled_material_report_uri: str | None  # one producer's private report, when it was written
    log_file: Path


def _received_on(resources: Resources, key: str, demo_file: DemoFile) -> None:
    """Record a file as arrived on its day in the partnership's history (targets take effect from it)."""
    assert demo_file.received_on is not None
    sha256, size = sha256_stream(io.BytesIO(demo_file.path.read_bytes()))
    resources.ledger.register_submission(
        member_id=demo_file.member_id,
        dataset=demo_file.dataset,
        key=key,
        sha256=sha256,
        size=size,
        received_at=datetime.combine(demo_file.received_on, time(9, 0), tzinfo=UTC),
    )


def run_demo(*, include_scotland: bool = False) -> DemoResult:
    """Generate members' files, register the members, upload the files to their inboxes, run the nightly flow."""
    settings = get_settings()
    prepare_environment(settings)
    manifest = generate_demo(settings.resolved_home / "demo-input", include_scotland=include_scotland)
    resources = build_resources(settings)
    try:
        import_members(resources, manifest.members, file="demo members")
        for demo_file in manifest.submissions:
            key = keys.inbox_key(demo_file.member_id, demo_file.dataset, demo_file.path.name)
            resources.storage.put_file(key, demo_file.path)
            if demo_file.received_on is not None:
                _received_on(resources, key, demo_file)
        # The secretariat's shipped reference data (roadmap targets, national actuals), as `junkan reference load`.
        ensure_secretariat(resources)
        for dataset, path in REFERENCE_FILES.items():
            resources.storage.put_file(keys.inbox_key(SECRETARIAT_ID, dataset, path.name), path)
    finally:
        resources.close()

    from flows.pipeline import nightly, release

    summary = nightly()
    # The runs built drafts; the secretariat's release is what makes them public (as `junkan release`).
    released = release(None, "demo secretariat")
    resources = build_resources(settings)
    try:
        release_notes = resources.warehouse.read("mart.releases").sort("period", "release", "table_name")
        headline = resources.warehouse.sql(HEADLINE_QUERY)
        roadmaps = resources.warehouse.sql(ROADMAP_QUERY)
        published = resources.warehouse.sql(PUBLISHED_SHARE_QUERY)
        seen = visibility(resources, pl.DataFrame(summary.information_loss, schema=TABLES["mart.publication_summary"]))
        reports_uri = f"{resources.storage.url.rstrip('/')}/{REPORTS}/"
        period_report_uris = tuple(resources.storage.uri(key) for key in released.report_keys)
        producer_report = keys.recycled_material_report_key(REPORTING_PRODUCER, extension="html")
        recycled_material_report_uri = (
            resources.storage.uri(producer_report) if resources.storage.stat(producer_report) is not None else None
        )
    finally:
        resources.close()
    return DemoResult(
        manifest=manifest,
        summary=summary,
        headline=headline,
        roadmaps=roadmaps,
        published=published,
        visibility=seen,
        releases=release_notes,
        storage_url=redact_url(settings.resolved_storage_url),
        catalog_url=redact_url(settings.resolved_catalog_url),
        reports_uri=reports_uri,
        period_report_uris=period_report_uris,
        recycled_material_report_uri=recycled_material_report_uri,
        log_file=settings.resolved_log_file,
    )
