"""Releases: runs rebuild drafts only; a release changes the public tables, tags them, keeps nothing else readable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from flows.stages import release as releasing
from flows.stages.batch import validate_submissions
from flows.stages.publish import publish_period, release_tag, take_out_withdrawn, unpublished_submissions
from flows.stages.receive import register_keys
from flows.stages.release import release_periods, releases
from flows.stages.summary import RunSummary
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys
from schemas.tables import PUBLIC_TABLES

COMPANIES = ("corp-a", "corp-b", "corp-c", "corp-d", "corp-e", "corp-f")


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    for member_id in COMPANIES:
        built.ledger.add_member(
            Member(member_id=member_id, name=member_id, kind="company", region="JP-13", joined_on=date(2023, 4, 1))
        )
    yield built
    built.close()


def _submit(resources: Resources, tmp_path: Path, tonnes: dict[str, float]) -> None:
    """Each company's FY2024 paper collected in Tokyo, as a CSV in its inbox, validated and the draft rebuilt."""
    uploaded = []
    for member_id, quantity in tonnes.items():
        path = tmp_path / f"{member_id}-{quantity:g}.csv"
        path.write_text(
            "member_id,period,material,source_stage,target_stage,quantity,unit,region\n"
            f"{member_id},FY2024,paper.cardboard,use,collection,{quantity:g},t,JP-13\n",
            encoding="utf-8",
        )
        key = keys.inbox_key(member_id, "flows", path.name)
        resources.storage.put_file(key, path)
        uploaded.append(key)
    validate_submissions(resources, register_keys(resources, uploaded, RunSummary()))
    publish_period(resources, "FY2024")


def _public_state(resources: Resources) -> dict[str, tuple[int | None, list[str]]]:
    return {table: (resources.warehouse.snapshot_id(table), resources.warehouse.tags(table)) for table in PUBLIC_TABLES}


def _written(resources: Resources) -> list[str]:
    """Every public table: a release tags them all, those with no rows too (no member set a target here)."""
    assert resources.warehouse.read("mart.target_progress").is_empty()
    return list(PUBLIC_TABLES)


def _national(resources: Resources, table: str, **read: str) -> list[float | None]:
    tag = read.get("tag")
    frame = resources.warehouse.read(table, where={"period": ["FY2024"]}, tag=tag)
    return frame.filter(material_level="all", region_level="all").get_column("waste_generated_t").to_list()


def test_runs_change_drafts_only_and_a_release_publishes_them(resources: Resources, tmp_path: Path) -> None:
    before = _public_state(resources)
    _submit(resources, tmp_path, {"corp-a": 100.0, "corp-b": 110.0, "corp-c": 120.0})

    assert _public_state(resources) == before, "a run changed a public table"
    assert _national(resources, "draft.indicators") == [330.0]
    assert resources.warehouse.read("mart.indicators").is_empty()

    [released] = release_periods(resources, ["FY2024"], released_by="tester")

    assert released.release == 1
    assert _national(resources, "mart.indicators") == [330.0]
    for table in _written(resources):
        assert resources.warehouse.tags(table) == [release_tag("FY2024", 1)], table
        # Only releases are readable: the snapshot the tag names is the one left.
        assert [s.snapshot_id for s in resources.warehouse.table(table).snapshots()] == [
            resources.warehouse.snapshot_id(table)
        ], table
    totals = releases(resources, "FY2024").filter(table_name="all")
    assert totals.select("release", "released_by", "values_revised", "values_withheld_for_revision").rows() == [
        (1, "tester", 0, 0)
    ]


def test_a_late_member_is_withheld_for_revision_until_others_join_it(resources: Resources, tmp_path: Path) -> None:
    _submit(resources, tmp_path, {"corp-a": 100.0, "corp-b": 110.0, "corp-c": 120.0})
    release_periods(resources, ["FY2024"], released_by="tester")

    # The case: a fourth member at 37.3 t after the first release.
    _submit(resources, tmp_path, {"corp-d": 37.3})
    assert _national(resources, "draft.indicators") == [None]  # the draft says what a release would do now
    assert _national(resources, "mart.indicators") == [330.0]
    release_periods(resources, ["FY2024"], released_by="tester")

    assert _national(resources, "mart.indicators") == [None]
    assert _national(resources, "mart.indicators", tag=release_tag("FY2024", 1)) == [330.0]
    second = releases(resources, "FY2024").filter(release=2)
    assert second.filter(table_name="all").get_column("values_withheld_for_revision").item() > 0
    assert set(second.get_column("material_group")) <= {"all", "paper"}  # by table and group, never by member

    # Two more late members: the change is now three members' and published.
    _submit(resources, tmp_path, {"corp-e": 50.0, "corp-f": 60.0})
    release_periods(resources, ["FY2024"], released_by="tester")

    assert _national(resources, "mart.indicators") == [pytest.approx(477.3)]
    for table in _written(resources):
        assert resources.warehouse.tags(table) == [release_tag("FY2024", n) for n in (1, 2, 3)], table
        iceberg = resources.warehouse.table(table)
        tagged = {ref.snapshot_id for ref in iceberg.metadata.refs.values()}
        assert {snapshot.snapshot_id for snapshot in iceberg.snapshots()} == tagged, table  # a table no release
        # changed keeps one snapshot with every tag


def test_a_release_that_dies_before_the_switch_changes_nothing_public(
    resources: Resources, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _submit(resources, tmp_path, {"corp-a": 100.0, "corp-b": 110.0, "corp-c": 120.0})
    release_periods(resources, ["FY2024"], released_by="tester")
    _submit(resources, tmp_path, {"corp-d": 40.0, "corp-e": 50.0, "corp-f": 60.0})
    before = _public_state(resources)

    def dies(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(releasing, "forget_unreleased", dies)  # after the switch: must not be reached
    monkeypatch.setattr("infra.warehouse.staging._switch", dies)
    with pytest.raises(KeyboardInterrupt):
        release_periods(resources, ["FY2024"], released_by="tester")
    assert _public_state(resources) == before
    monkeypatch.undo()

    [released] = release_periods(resources, ["FY2024"], released_by="tester")
    assert released.release == 2
    assert _national(resources, "mart.indicators") == [pytest.approx(480.0)]


def test_a_period_whose_files_are_all_withdrawn_can_be_released_empty(resources: Resources, tmp_path: Path) -> None:
    _submit(resources, tmp_path, {"corp-a": 100.0, "corp-b": 110.0, "corp-c": 120.0})
    release_periods(resources, ["FY2024"], released_by="tester")
    live = [s.submission_id for s in resources.ledger.submissions(dataset="flows")]
    resources.ledger.withdraw(live, message="sent to the wrong partnership")
    take_out_withdrawn(resources, unpublished_submissions(resources))
    publish_period(resources, "FY2024")
    assert resources.warehouse.read("core.flows").is_empty()

    [released] = release_periods(resources, ["FY2024"], released_by="tester")

    assert released.release == 2
    assert resources.warehouse.read("mart.flows", where={"period": ["FY2024"]}).is_empty()
    assert _national(resources, "mart.indicators", tag=release_tag("FY2024", 1)) == [330.0]
    with pytest.raises(ValueError, match="FY2023: no member has flows|no member has flows for FY2023"):
        release_periods(resources, ["FY2023"], released_by="tester")
