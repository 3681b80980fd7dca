"""The secretariat's reference files through the judging path, and the roadmap tables published from them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.cli.reference import dataset_of
from flows.stages.batch import validate_submissions
from flows.stages.publish import publish_period
from flows.stages.receive import register_keys
from flows.stages.roadmaps import ensure_secretariat, publish_roadmaps
from flows.stages.summary import RunSummary, SubmissionOutcome
from flows.stages.targets import members_frame
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys
from schemas.reference import SECRETARIAT_ID

REFERENCE = Path(__file__).resolve().parents[4] / "reference"
MEMBERS = ("city-a", "corp-b", "univ-c")
HEADER = "member_id,period,material,source_stage,target_stage,quantity,unit"


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    for member_id in MEMBERS:
        built.ledger.add_member(
            Member(member_id=member_id, name=member_id, kind="company", region="JP-13", joined_on=date(2023, 4, 1))
        )
    ensure_secretariat(built)
    yield built
    built.close()


def load(resources: Resources, member_id: str, dataset: str, file: Path) -> tuple[list[SubmissionOutcome], RunSummary]:
    key = keys.inbox_key(member_id, dataset, file.name)
    resources.storage.put_file(key, file)
    summary = RunSummary()
    return validate_submissions(resources, register_keys(resources, [key], summary)), summary


def load_shipped(resources: Resources) -> list[SubmissionOutcome]:
    outcomes = []
    for file in sorted(REFERENCE.glob("*.csv")):
        dataset = dataset_of(file)
        assert dataset is not None, file
        outcomes += load(resources, SECRETARIAT_ID, dataset, file)[0]
    return outcomes


def test_the_shipped_reference_files_load_whole_and_every_row_names_its_source(resources: Resources) -> None:
    outcomes = load_shipped(resources)
    assert sorted((o.dataset, o.status, o.counts.quarantined, o.counts.warnings) for o in outcomes) == [
        ("designated_products", "valid", 0, 0),
        ("reference_statistics", "valid", 0, 0),
        ("roadmap_targets", "valid", 0, 0),
    ]
    targets = resources.warehouse.read("core.roadmap_targets")
    statistics = resources.warehouse.read("core.reference_statistics")
    assert targets.height == 5
    assert statistics.height == 4
    for frame in (targets, statistics):
        assert frame.get_column("source").str.len_chars().min() > 10  # type: ignore[operator]
        assert frame.get_column("member_id").unique().to_list() == [SECRETARIAT_ID]
        assert frame.get_column("submission_id").null_count() == 0
    assert dict(statistics.select("indicator", "value").rows()) == {
        "input_cyclical_use_rate": 15.7,
        "output_cyclical_use_rate": 43.0,
        "final_disposal": 13.04,
        "resource_productivity_jpy_per_t": 43.6,
    }
    assert resources.ledger.get_submission(outcomes[0].submission_id).status == "valid"  # type: ignore[union-attr]
    assert SECRETARIAT_ID not in members_frame(resources).get_column("member_id").to_list()


def test_only_the_secretariat_may_send_reference_data(resources: Resources) -> None:
    outcomes, summary = load(resources, "city-a", "roadmap_targets", REFERENCE / "roadmap_targets.csv")
    assert outcomes == []
    [why] = summary.refused_keys.values()
    assert "only the secretariat" in why


def test_a_new_version_of_a_reference_file_replaces_the_earlier_one(resources: Resources, tmp_path: Path) -> None:
    load_shipped(resources)
    text = (REFERENCE / "reference_statistics.csv").read_text(encoding="utf-8")
    corrected = tmp_path / "reference_statistics.csv"
    corrected.write_text(text.replace(",FY2019,15.7,%", ",FY2019,15.8,%"), encoding="utf-8")
    [outcome], _ = load(resources, SECRETARIAT_ID, "reference_statistics", corrected)
    assert outcome.status == "valid"
    statistics = resources.warehouse.read("core.reference_statistics")
    assert statistics.height == 4
    assert statistics.filter(indicator="input_cyclical_use_rate").get_column("value").to_list() == [15.8]


def test_roadmap_progress_has_national_actuals_and_the_members_aggregate(resources: Resources, tmp_path: Path) -> None:
    load_shipped(resources)
    for member_id in MEMBERS:
        rows = [
            f"{member_id},FY2024,plastics.packaging,extraction,production,60,t",
            f"{member_id},FY2024,plastics.packaging,recycling,production,40,t",
            f"{member_id},FY2024,plastics.packaging,use,collection,100,t",
            f"{member_id},FY2024,plastics.packaging,collection,recycling,50,t",
            f"{member_id},FY2024,plastics.packaging,collection,landfill,50,t",
        ]
        file = tmp_path / f"{member_id}.csv"
        file.write_text("\n".join([HEADER, *rows]), encoding="utf-8")
        load(resources, member_id, "flows", file)
    publish_period(resources, "FY2024")
    publish_roadmaps(resources)

    # The drafts: what a run builds and releasing FY2024 now would publish.
    progress = resources.warehouse.read("draft.roadmap_progress").filter(pl.col("is_latest"))
    official = progress.filter(basis="official", roadmap_id="plan5.input_cyclical_use_rate").row(0, named=True)
    assert (official["actual_period"], official["actual_value"]) == ("FY2019", pytest.approx(0.157))
    assert official["trajectory_value"] == pytest.approx(0.157)  # the baseline year
    members = progress.filter(basis="members", roadmap_id="plan5.input_cyclical_use_rate").row(0, named=True)
    # cyclical use 3 × 40 / (3 × 40 + 3 × 60) = 0.4, in FY2024: 5/11 of the way from 15.7 % to 19 %
    assert (members["actual_period"], members["actual_value"], members["contributors"]) == ("FY2024", 0.4, 3)
    assert members["trajectory_value"] == pytest.approx(0.157 + 0.033 * 5 / 11)
    assert members["is_on_track"] is True
    plastics = progress.filter(basis="members", roadmap_id="plastics.packaging_reuse_recycling").row(0, named=True)
    assert (plastics["actual_value"], plastics["trajectory_value"]) == (0.5, None)  # no baseline was published
    assert progress.select("roadmap_id", "basis").n_unique() == 10

    circularity = resources.warehouse.read("draft.material_circularity").filter(
        material_level="all", region_level="all"
    )
    assert circularity.select("inflow_recycled_share", "outflow_recycled_share", "outflow_disposal_share").row(0) == (
        0.4,
        0.5,
        0.5,
    )
    # no GDP or population was shipped: nothing to divide by
    assert resources.warehouse.read("draft.resource_productivity").is_empty()
