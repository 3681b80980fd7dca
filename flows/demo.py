"""`junkan demo`: a realistic year of members' files through the whole path on the embedded default."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

import polars as pl

from flows.runtime import prepare_environment
from flows.stages.members import import_members
from flows.stages.roadmaps import ensure_secretariat
from flows.stages.summary import RunSummary
from infra import keys
from infra.demo_data.generate import DemoFile, DemoManifest, generate_demo
from infra.hashing import sha256_stream
from infra.redact import redact_url
from infra.resources import Resources, build_resources
from infra.settings import get_settings
from infra.storage import REPORTS
from schemas.reference import SECRETARIAT_ID
from transforms.indicators import QUANTITY_FLOWS

# The reference files shipped in the repository's reference/ folder, by dataset.
REFERENCE_DIRECTORY = Path(__file__).resolve().parents[1] / "reference"
REFERENCE_FILES: dict[str, Path] = {
    "roadmap_targets": REFERENCE_DIRECTORY / "roadmap_targets.csv",
    "reference_statistics": REFERENCE_DIRECTORY / "reference_statistics.csv",
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


@dataclass(frozen=True)
class DemoResult:
    """What the demo did and where its outputs are."""

    manifest: DemoManifest
    summary: RunSummary
    headline: pl.DataFrame
    roadmaps: pl.DataFrame
    published: pl.DataFrame  # PUBLISHED_SHARE_QUERY
    storage_url: str  # as safe to print: no password or query values (infra.redact)
    catalog_url: str
    reports_uri: str
    period_report_uris: tuple[str, ...]
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

    from flows.pipeline import nightly

    summary = nightly()
    resources = build_resources(settings)
    try:
        headline = resources.warehouse.sql(HEADLINE_QUERY)
        roadmaps = resources.warehouse.sql(ROADMAP_QUERY)
        published = resources.warehouse.sql(PUBLISHED_SHARE_QUERY)
        reports_uri = f"{resources.storage.url.rstrip('/')}/{REPORTS}/"
        period_report_uris = tuple(resources.storage.uri(key) for key in summary.report_keys)
    finally:
        resources.close()
    return DemoResult(
        manifest=manifest,
        summary=summary,
        headline=headline,
        roadmaps=roadmaps,
        published=published,
        storage_url=redact_url(settings.resolved_storage_url),
        catalog_url=redact_url(settings.resolved_catalog_url),
        reports_uri=reports_uri,
        period_report_uris=period_report_uris,
        log_file=settings.resolved_log_file,
    )
