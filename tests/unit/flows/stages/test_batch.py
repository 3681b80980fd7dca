"""The pipeline's steps on the embedded default (local files, SQLite), without Prefect."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.stages.batch import validate_submissions
from flows.stages.publish import periods_between, publish_period
from flows.stages.receive import in_dataset_order, register_keys, unseen_inbox_keys
from flows.stages.summary import RunSummary, SubmissionOutcome
from infra.ledger import Member
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.storage import keys
from tests.factories import make_flows
from transforms.core_shaping import core_rows

HEADER = "member_id,period,material,source_stage,target_stage,quantity,unit"


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = build_resources(Settings(home=tmp_path / "home"))
    for member_id, kind in (("city-a", "municipality"), ("corp-b", "company")):
        built.ledger.add_member(
            Member(member_id=member_id, name=member_id, kind=kind, region="JP-40", joined_on=date(2023, 4, 1))
        )
    yield built
    built.close()


def upload(resources: Resources, tmp_path: Path, member_id: str, dataset: str, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    key = keys.inbox_key(member_id, dataset, name)
    resources.storage.put_file(key, path)
    return key


def ingest(resources: Resources, object_keys: list[str]) -> list[SubmissionOutcome]:
    summary = RunSummary()
    waiting = register_keys(resources, object_keys, summary)
    return validate_submissions(resources, waiting)


CITY_A_FY2024 = "\n".join(
    [
        HEADER,
        "city-a,FY2024,plastics.pet,import,production,100,t",
        "city-a,FY2024,plastics.pet,recycling,production,25,t",
        "city-a,FY2024,plastics.pet,use,collection,80,t",
        "city-a,FY2024,plastics.pet,collection,recycling,30,t",
        "city-a,FY2024,plastics.pet,collection,landfill,50000,kg",
    ]
)


def test_valid_file_lands_in_core_and_indicators_match_hand_computation(resources: Resources, tmp_path: Path) -> None:
    key = upload(resources, tmp_path, "city-a", "flows", "a.csv", CITY_A_FY2024)
    [outcome] = ingest(resources, [key])
    assert (outcome.status, outcome.counts.read, outcome.counts.accepted, outcome.counts.quarantined) == (
        "valid",
        5,
        5,
        0,
    )
    assert outcome.periods == ("FY2024",)

    publish_period(resources, "FY2024")
    member = resources.warehouse.read("core.member_indicators", where={"member_id": ["city-a"]})
    total = member.filter((pl.col("material_level") == "all") & (pl.col("region_level") == "all")).row(0, named=True)
    # natural resource input: import → production 100; cyclical use: recycling → production 25;
    # waste generated: use → collection 80; recovered: collection → recycling 30; landfill 50000 kg = 50 t.
    assert total["natural_resource_input_t"] == pytest.approx(100)
    assert total["cyclical_use_t"] == pytest.approx(25)
    assert total["waste_generated_t"] == pytest.approx(80)
    assert total["final_disposal_t"] == pytest.approx(50)
    assert total["input_cyclical_use_rate"] == pytest.approx(25 / 125)
    assert total["output_cyclical_use_rate"] == pytest.approx(25 / 80)
    assert total["recovery_rate"] == pytest.approx(30 / 80)
    assert total["final_disposal_rate"] == pytest.approx(50 / 80)

    core = resources.warehouse.read("core.flows")
    assert core.height == 5
    assert set(core["submission_id"]) == {outcome.submission_id}
    assert sorted(core["source_row"].to_list()) == [2, 3, 4, 5, 6]


def test_bad_rows_are_quarantined_with_reasons_and_other_members_unaffected(
    resources: Resources, tmp_path: Path
) -> None:
    good = upload(resources, tmp_path, "city-a", "flows", "a.csv", CITY_A_FY2024)
    bad_text = "\n".join(
        [
            HEADER,
            "corp-b,FY2024,metals.ferrous,import,production,10,t",
            "corp-b,FY2024,metals.ferrous,production,manufacturing,-3,t",
            "corp-b,FY2024,unobtainium,production,manufacturing,4,t",
        ]
    )
    bad = upload(resources, tmp_path, "corp-b", "flows", "b.csv", bad_text)
    outcomes = {outcome.member_id: outcome for outcome in ingest(resources, [good, bad])}

    assert outcomes["city-a"].status == "valid"
    b = outcomes["corp-b"]
    assert (b.status, b.counts.read, b.counts.accepted, b.counts.quarantined) == ("partially_valid", 3, 1, 2)
    assert b.counts.read == b.counts.accepted + b.counts.quarantined

    with resources.storage.open(keys.quarantine_key("corp-b", "flows", b.submission_id)) as stream:
        quarantined = pl.read_parquet(stream).sort("source_row")
    assert quarantined["source_row"].to_list() == [3, 4]
    assert quarantined["quantity"].to_list() == ["-3", "4"]  # kept as the member sent it
    assert "quantity.range" in quarantined["failed_checks"][0].to_list()
    assert "material_group.vocabulary" in quarantined["failed_checks"][1].to_list()

    report = json.loads(resources.storage.get_bytes(b.report_key.replace(".html", ".json")))
    rows = {(error["row"], error["column"]) for error in report["errors"]}
    assert (3, "quantity") in rows
    html = resources.storage.get_bytes(b.report_key).decode("utf-8")
    assert "-3" in html
    assert "数量" in html or "quantity" in html

    core = resources.warehouse.read("core.flows")
    assert core.group_by("member_id").len().sort("member_id").rows() == [("city-a", 5), ("corp-b", 1)]


def test_the_same_file_twice_is_one_submission(resources: Resources, tmp_path: Path) -> None:
    key = upload(resources, tmp_path, "city-a", "flows", "a.csv", CITY_A_FY2024)
    ingest(resources, [key])
    again = upload(resources, tmp_path, "city-a", "flows", "a-copy.csv", CITY_A_FY2024)
    summary = RunSummary()
    assert register_keys(resources, [key, again], summary) == []
    assert summary.skipped_keys == [key, again]
    assert len(resources.ledger.submissions(member_id="city-a")) == 1


def test_a_new_file_for_the_same_period_supersedes_the_older_rows(resources: Resources, tmp_path: Path) -> None:
    first = upload(resources, tmp_path, "city-a", "flows", "a.csv", CITY_A_FY2024)
    [old] = ingest(resources, [first])
    newer_text = "\n".join([HEADER, "city-a,FY2024,paper,use,collection,7,t"])
    second = upload(resources, tmp_path, "city-a", "flows", "a.csv", newer_text)  # same key, new content
    assert unseen_inbox_keys(resources) == [second]
    [new] = ingest(resources, [second])

    assert resources.ledger.get_submission(old.submission_id).status == "superseded"  # type: ignore[union-attr]
    core = resources.warehouse.read("core.flows", where={"member_id": ["city-a"]})
    assert core.select("material", "quantity_t", "submission_id").rows() == [("paper", 7.0, new.submission_id)]


def test_a_file_missing_a_required_column_is_rejected_whole(resources: Resources, tmp_path: Path) -> None:
    text = "member_id,period,material,source_stage,target_stage,quantity\ncity-a,FY2024,paper,use,collection,7"
    key = upload(resources, tmp_path, "city-a", "flows", "no-unit.csv", text)
    [outcome] = ingest(resources, [key])
    assert (outcome.status, outcome.counts.read, outcome.counts.accepted) == ("rejected", 0, 0)
    assert outcome.message is not None
    assert "no-unit.csv" in outcome.message
    assert "unit" in outcome.message
    report = json.loads(resources.storage.get_bytes(outcome.report_key.replace(".html", ".json")))
    assert report["status"] == "rejected"
    assert resources.warehouse.read("core.flows").is_empty()


def test_targets_are_validated_before_progress_in_one_batch(resources: Resources, tmp_path: Path) -> None:
    targets = upload(
        resources,
        tmp_path,
        "city-a",
        "targets",
        "t.csv",
        "member_id,target_id,indicator,baseline_year,baseline_value,target_year,target_value,unit\n"
        "city-a,T1,final_disposal,2020,100,2030,50,t",
    )
    progress = upload(
        resources,
        tmp_path,
        "city-a",
        "progress",
        "p.csv",
        "member_id,target_id,year,value\ncity-a,T1,2024,80\ncity-a,T9,2024,1",
    )
    outcomes = {outcome.dataset: outcome for outcome in ingest(resources, [progress, targets])}
    assert outcomes["targets"].status == "valid"
    assert (outcomes["progress"].counts.accepted, outcomes["progress"].counts.quarantined) == (1, 1)
    assert resources.warehouse.read("core.progress").select("target_id", "value").rows() == [("T1", 80.0)]


def test_unknown_member_and_unsafe_keys_are_refused_and_recorded(resources: Resources) -> None:
    summary = RunSummary()
    waiting = register_keys(resources, ["inbox/nobody/flows/a.csv", "inbox/city-a/flows/../x.csv"], summary)
    assert waiting == []
    assert set(summary.refused_keys) == {"inbox/nobody/flows/a.csv", "inbox/city-a/flows/../x.csv"}


def test_periods_between_uses_period_dates(resources: Resources, tmp_path: Path) -> None:
    text = "\n".join(
        [
            HEADER,
            "city-a,FY2023,paper,use,collection,1,t",
            "city-a,FY2024,paper,use,collection,1,t",
            "city-a,2024-05,paper,use,collection,1,t",
            "city-a,2026,paper,use,collection,1,t",
        ]
    )
    ingest(resources, [upload(resources, tmp_path, "city-a", "flows", "a.csv", text)])
    assert periods_between(resources, "FY2023", "FY2024") == ["FY2023", "FY2024", "2024-05"]  # by start day
    assert periods_between(resources, "令和6年度", "2025") == ["FY2024", "2024-05"]
    with pytest.raises(ValueError, match="not a period"):
        periods_between(resources, "spring", "2025")


def test_a_batch_is_one_core_commit_and_the_later_file_of_a_member_wins(resources: Resources, tmp_path: Path) -> None:
    older = upload(
        resources, tmp_path, "city-a", "flows", "a1.csv", "\n".join([HEADER, "city-a,FY2024,paper,use,collection,1,t"])
    )
    newer = upload(
        resources,
        tmp_path,
        "city-a",
        "flows",
        "a2.csv",
        "\n".join([HEADER, "city-a,FY2024,paper,use,collection,2,t", "city-a,FY2023,paper,use,collection,3,t"]),
    )
    other = upload(
        resources, tmp_path, "corp-b", "flows", "b.csv", "\n".join([HEADER, "corp-b,FY2024,paper,use,collection,5,t"])
    )
    snapshots_before = len(resources.warehouse.table("core.flows").metadata.metadata_log)
    outcomes = {o.key: o for o in ingest(resources, [older, newer, other])}

    assert len(resources.warehouse.table("core.flows").metadata.metadata_log) == snapshots_before + 1
    core = resources.warehouse.read("core.flows").select("member_id", "period", "quantity_t", "submission_id").rows()
    assert sorted(core) == sorted(
        [
            ("city-a", "FY2023", 3.0, outcomes[newer].submission_id),
            ("city-a", "FY2024", 2.0, outcomes[newer].submission_id),
            ("corp-b", "FY2024", 5.0, outcomes[other].submission_id),
        ]
    )
    assert resources.ledger.get_submission(outcomes[older].submission_id).status == "superseded"  # type: ignore[union-attr]


def test_batches_put_targets_before_progress_whatever_their_arrival(resources: Resources, tmp_path: Path) -> None:
    progress = upload(
        resources, tmp_path, "city-a", "progress", "p.csv", "member_id,target_id,year,value\ncity-a,T1,2024,80"
    )
    targets = upload(
        resources,
        tmp_path,
        "city-a",
        "targets",
        "t.csv",
        "member_id,target_id,indicator,baseline_year,baseline_value,target_year,target_value,unit\n"
        "city-a,T1,final_disposal,2020,100,2030,50,t",
    )
    waiting = register_keys(resources, [progress, targets], RunSummary())
    ordered = in_dataset_order(resources, waiting)
    assert [resources.ledger.get_submission(i).dataset for i in ordered] == ["targets", "progress"]  # type: ignore[union-attr]


def test_report_shows_what_the_member_sent_for_a_derived_column(resources: Resources, tmp_path: Path) -> None:
    key = upload(
        resources,
        tmp_path,
        "corp-b",
        "flows",
        "b.csv",
        "\n".join([HEADER, "corp-b,FY2024,Unobtainium,use,collection,1,t"]),
    )
    [outcome] = ingest(resources, [key])
    report = json.loads(resources.storage.get_bytes(outcome.report_key.replace(".html", ".json")))
    [error] = [e for e in report["errors"] if e["check_id"] == "material_group.vocabulary"]
    assert (error["row"], error["column"], error["value"]) == (2, "material", "Unobtainium")


def test_content_overwritten_before_validation_is_not_validated_under_the_old_record(
    resources: Resources, tmp_path: Path
) -> None:
    key = upload(
        resources, tmp_path, "city-a", "flows", "a.csv", "\n".join([HEADER, "city-a,FY2024,paper,use,collection,1,t"])
    )
    first = register_keys(resources, [key], RunSummary())
    upload(
        resources, tmp_path, "city-a", "flows", "a.csv", "\n".join([HEADER, "city-a,FY2024,paper,use,collection,2,t"])
    )
    assert validate_submissions(resources, first) == []
    assert resources.ledger.get_submission(first[0]).status == "superseded"  # type: ignore[union-attr]

    [outcome] = ingest(resources, unseen_inbox_keys(resources))
    assert resources.warehouse.read("core.flows").select("quantity_t", "submission_id").rows() == [
        (2.0, outcome.submission_id)
    ]


def test_earlier_content_uploaded_again_is_the_latest_word(resources: Resources, tmp_path: Path) -> None:
    text_a = "\n".join([HEADER, "city-a,FY2024,paper,use,collection,1,t"])
    text_b = "\n".join([HEADER, "city-a,FY2024,paper,use,collection,2,t"])
    [a] = ingest(resources, [upload(resources, tmp_path, "city-a", "flows", "a.csv", text_a)])
    ingest(resources, [upload(resources, tmp_path, "city-a", "flows", "b.csv", text_b)])
    assert resources.ledger.get_submission(a.submission_id).status == "superseded"  # type: ignore[union-attr]

    [again] = ingest(resources, [upload(resources, tmp_path, "city-a", "flows", "a-again.csv", text_a)])
    assert again.submission_id == a.submission_id  # the same content is the same submission, received again
    assert resources.warehouse.read("core.flows").select("quantity_t").rows() == [(1.0,)]


def test_core_rows_store_metric_tons_as_tonnes() -> None:
    accepted = make_flows(rows=[{"unit": "MT", "quantity": 120.0, "quantity_t": 120.0}], lineage=True)
    core = core_rows("flows", accepted)
    assert core.select("unit", "quantity", "quantity_t").rows() == [("t", 120.0, 120.0)]


def test_a_file_named_in_ordinary_japanese_is_validated_and_its_report_keeps_the_name(
    resources: Resources, tmp_path: Path
) -> None:
    name = "報告書（令和6年度）プラスチック.csv"
    key = upload(resources, tmp_path, "city-a", "flows", name, CITY_A_FY2024)
    assert "（" not in key  # stored under a plain key

    [outcome] = ingest(resources, [key])

    assert outcome.status == "valid"
    report = json.loads(resources.storage.get_bytes(outcome.report_key.replace(".html", ".json")))
    assert report["submission"]["file_name"] == name
    assert name in resources.storage.get_bytes(outcome.report_key).decode("utf-8")


def test_a_sweep_takes_files_in_upload_order_not_name_order(resources: Resources, tmp_path: Path) -> None:
    # b.csv was uploaded first, its correction a.csv later: the correction wins although its name sorts first.
    first = upload(resources, tmp_path, "city-a", "flows", "b.csv", CITY_A_FY2024)
    corrected = CITY_A_FY2024.replace("import,production,100,t", "import,production,90,t")
    second = upload(resources, tmp_path, "city-a", "flows", "a.csv", corrected)
    home = resources.settings.resolved_home
    for key, at in ((first, 1_700_000_000), (second, 1_700_000_600)):
        os.utime(home / key, (at, at))
    assert unseen_inbox_keys(resources) == [first, second]
    waiting = register_keys(resources, unseen_inbox_keys(resources), RunSummary())
    validate_submissions(resources, waiting)
    core = resources.warehouse.read("core.flows").filter(pl.col("source_stage") == "import")
    assert core.get_column("quantity_t").to_list() == [90.0]


TARGETS_HEADER = "member_id,target_id,indicator,baseline_year,baseline_value,target_year,target_value,unit"


def test_a_targets_file_replaces_only_the_targets_it_names(resources: Resources, tmp_path: Path) -> None:
    both = f"{TARGETS_HEADER}\ncity-a,T1,final_disposal,2020,100,2030,50,t\ncity-a,T2,final_disposal,2020,40,2030,20,t"
    first = upload(resources, tmp_path, "city-a", "targets", "targets-2024.csv", both)
    ingest(resources, [first])
    changed = f"{TARGETS_HEADER}\ncity-a,T1,final_disposal,2020,100,2030,45,t"  # T1 made stricter; T2 unsaid
    second = upload(resources, tmp_path, "city-a", "targets", "targets-2025.csv", changed)
    [outcome] = ingest(resources, [second])

    assert outcome.periods == ("T1",)
    kept = resources.warehouse.read("core.targets").sort("target_id", "valid_from_at")
    # T2 stays: the member did not withdraw it; T1's first version stays too, although it was sent the same day
    assert kept.select("target_id", "target_value").rows() == [("T1", 50.0), ("T1", 45.0), ("T2", 20.0)]
    older = resources.ledger.get_submissions([s.submission_id for s in resources.ledger.submissions(dataset="targets")])
    # Both files stay live: the history keeps each file's versions, so either can still be withdrawn.
    assert [(s.status, s.live_periods) for s in older] == [("valid", ("T1", "T2")), ("valid", ("T1",))]
